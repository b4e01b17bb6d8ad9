/*
 * libFuzzer harness for the control message decoder.
 *
 * Properties checked beyond "no crash": a message that decodes has the
 * length ctl_frame_len announces; it re-encodes to the very same bytes
 * (the decoder accepts one encoding per message); and the re-encoding
 * decodes to the same message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[CTL_HDR_LEN + CTL_MAX_BODY];
	struct ctl_msg m, again;
	char err[256];
	int frame, n;

	err[0] = '\0';
	frame = ctl_frame_len(data, size);
	if (size < CTL_HDR_LEN && frame != 0)
		abort();

	if (ctl_decode(data, size, &m, err, sizeof(err)) == -1) {
		if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
			abort();	/* every refusal says why */
		return 0;
	}
	if (frame != (int)size)
		abort();
	/* The names must exist for anything that decodes. */
	if (strcmp(ctl_type_name(m.type), "unknown") == 0)
		abort();
	if (m.type == CTL_BYE &&
	    strcmp(ctl_bye_reason_name(m.u.bye.reason), "unknown") == 0)
		abort();

	n = ctl_encode(&m, out, sizeof(out));
	if (n != (int)size || memcmp(out, data, size) != 0)
		abort();
	if (ctl_decode(out, (size_t)n, &again, err, sizeof(err)) == -1)
		abort();
	if (memcmp(&m, &again, sizeof(m)) != 0)
		abort();
	return 0;
}
