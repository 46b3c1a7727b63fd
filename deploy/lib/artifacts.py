"""What a `cargo ... --message-format=json` build made, read from its messages (one JSON object a
line; the file may still be growing). Used by deploy/test.sh.

    artifacts.py BUILD_JSON bin-dir   the directory of `boxoffice` and `stripe-emulator`, once both
                                      are built (exit 1 before)
    artifacts.py BUILD_JSON tests     every test executable as "NAME PACKAGE_DIR EXECUTABLE": an
                                      integration test by its file's name, a crate's own tests as
                                      units-CRATE-KIND
"""

import json
import os
import sys

SHOP_BINARIES = {"boxoffice", "stripe-emulator"}


def artifacts(path):
    with open(path) as lines:
        for line in lines:
            if not line.endswith("\n"):
                return  # a message still being written
            message = json.loads(line)
            if message.get("reason") == "compiler-artifact" and message.get("executable"):
                yield message


def bin_dir(path):
    built = {
        m["target"]["name"]: os.path.dirname(m["executable"])
        for m in artifacts(path)
        if m["target"]["kind"] == ["bin"] and not m["profile"]["test"]
    }
    if not SHOP_BINARIES <= built.keys():
        return 1
    print(built["boxoffice"])
    return 0


def tests(path):
    for m in artifacts(path):
        if m["profile"]["test"]:
            kind = m["target"]["kind"][0]
            name = m["target"]["name"]
            if kind != "test":
                name = f"units-{name}-{kind}"
            print(name, os.path.dirname(m["manifest_path"]), m["executable"])
    return 0


if __name__ == "__main__":
    build_json, what = sys.argv[1:]
    sys.exit({"bin-dir": bin_dir, "tests": tests}[what](build_json))
