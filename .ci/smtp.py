"""A real SMTP server for Roundup's email tests (aiosmtpd, from PyPI).

    python3 .ci/smtp.py PORT DIR

Listens on 127.0.0.1:PORT and writes every message it accepts to DIR as one .eml file per
recipient, with an X-Envelope-To header first. Recipients whose address starts with
"bounce" are refused for good (550), and those starting with "busy" for now (451), so the
tests can check how Roundup handles permanent and temporary failures.
"""

import asyncio
import os
import sys
import time
import uuid

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, out):
        self.out = out

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.lower()
        if local.startswith("bounce"):
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if local.startswith("busy"):
            return "451 4.3.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            name = "%d-%s.eml" % (time.time_ns(), uuid.uuid4().hex)
            path = os.path.join(self.out, name)
            with open(path + ".part", "wb") as f:
                f.write(b"X-Envelope-To: " + rcpt.encode() + b"\r\n")
                f.write(envelope.original_content)
            os.rename(path + ".part", path)
        return "250 2.0.0 Message accepted"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    controller = Controller(Handler(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("smtp: listening on 127.0.0.1:%d, saving to %s" % (port, out), flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
