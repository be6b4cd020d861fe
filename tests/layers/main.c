/* main.c -- the empty program each layer check links a whole folder library into: linking fails
 * when the folder calls a function of a folder it may not use (tests/layers/meson.build). */
int main(void)
{
	return 0;
}
