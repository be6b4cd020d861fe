/* vec.h -- a growable array of fixed-size elements, for the lists a store walk or a fan-out
 * collects (rows, names, targets).
 *
 * The vector does not know its element type: the caller names the size at each push and casts
 * data. Zero-initialised ({0}) is an empty vector; vec_free releases it. */
#ifndef EMCC_CORE_VEC_H
#define EMCC_CORE_VEC_H

#include <stddef.h>

struct vec {
	void *data;
	size_t n;   /* elements in use */
	size_t cap; /* elements allocated */
};

/* A new zeroed element at the end (capacity doubles, from 8), or NULL when out of memory (the
 * vector is unchanged). elem must be the same for every call on one vector. */
void *vec_push(struct vec *v, size_t elem);
/* Empties v and frees its memory. */
void vec_free(struct vec *v);

#endif
