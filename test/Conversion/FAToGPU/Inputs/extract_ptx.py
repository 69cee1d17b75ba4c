#!/usr/bin/env python3
# Prints the PTX that gpu-module-to-binary (format=isa) embedded in the first
# gpu.binary of an MLIR file: the `assembly = "..."` string of its
# #gpu.object, with MLIR's string escapes (\XX hex, \\, \") undone.
import re
import sys


def main():
    text = open(sys.argv[1]).read()
    match = re.search(r'#gpu\.object<#nvvm\.target<[^>]*>[^"]*?assembly = "', text)
    if not match:
        sys.exit("extract_ptx: no #gpu.object with PTX assembly in " + sys.argv[1])
    i, out = match.end(), bytearray()
    while text[i] != '"':
        if text[i] != "\\":
            out += text[i].encode()
            i += 1
        elif text[i + 1] in '\\"':
            out += text[i + 1].encode()
            i += 2
        else:
            out.append(int(text[i + 1 : i + 3], 16))
            i += 3
    sys.stdout.write(out.decode().rstrip("\0"))


if __name__ == "__main__":
    main()
