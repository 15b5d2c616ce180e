// SPDX-License-Identifier: GPL-2.0
/*
 * The nested guest's printf subset: %s %c %d %u %x with the l flag, '#'
 * (0x prefix), '0' and a width. Enough for check lines; anything else is
 * printed as it stands.
 */
#include "ng.h"

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, char c)
{
	if (o->pos < o->len)
		o->buf[o->pos++] = c;
}

static void put_num(struct out *o, unsigned long v, unsigned int base,
		    int neg, int alt, char pad, int width)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	width -= n + neg + (alt ? 2 : 0);
	if (pad == ' ')
		while (width-- > 0)
			put(o, ' ');
	if (neg)
		put(o, '-');
	if (alt) {
		put(o, '0');
		put(o, 'x');
	}
	while (pad == '0' && width-- > 0)
		put(o, '0');
	while (n)
		put(o, digits[--n]);
}

int ng_format(char *buf, size_t len, const char *fmt, va_list ap)
{
	struct out o = { buf, len, 0 };
	const char *s;

	for (; *fmt; fmt++) {
		int alt = 0, lng = 0, width = 0;
		char pad = ' ';
		long sv;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '#') {
			alt = 1;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		if (*fmt == 'l') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			for (s = va_arg(ap, const char *); *s; s++)
				put(&o, *s);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 'd':
			sv = lng ? va_arg(ap, long) : va_arg(ap, int);
			put_num(&o, sv < 0 ? -(unsigned long)sv : (unsigned long)sv,
				10, sv < 0, 0, pad, width);
			break;
		case 'u':
		case 'x':
			put_num(&o, lng ? va_arg(ap, unsigned long) :
				    va_arg(ap, unsigned int),
				*fmt == 'u' ? 10 : 16, 0, alt, pad, width);
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '%');
			if (*fmt)
				put(&o, *fmt);
			else
				fmt--;
		}
	}
	return o.pos;
}
