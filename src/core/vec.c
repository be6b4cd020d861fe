/* vec.c -- a growable array of fixed-size elements (vec.h). */
#include "core/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *vec_push(struct vec *v, size_t elem)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		void *d;

		if (elem == 0 || cap > SIZE_MAX / elem)
			return NULL;
		d = realloc(v->data, cap * elem);
		if (!d)
			return NULL;
		v->data = d;
		v->cap = cap;
	}
	void *slot = (char *)v->data + v->n * elem;
	memset(slot, 0, elem);
	v->n++;
	return slot;
}

void vec_free(struct vec *v)
{
	free(v->data);
	v->data = NULL;
	v->n = v->cap = 0;
}
