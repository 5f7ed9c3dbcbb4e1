#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""mutate.py KIND IN.o OUT.o: one mutant of a real BPF object that libbpf 1.5 still opens.

  utf8      the name of the first named FUNC_PROTO parameter gets a byte that is not UTF-8 (0xff)
  linestr   the first .BTF.ext line_info record's line_off points past the string section
  protoret  the return type of the FUNC_PROTO of the first FUNC becomes id 0x7fffffff
"""
import struct
import sys

KIND_SIZE = {1: 4, 3: 12, 14: 4, 17: 4}          # fixed trailers
VLEN_SIZE = {4: 12, 5: 12, 6: 8, 13: 8, 15: 12, 19: 12}


def sections(elf):
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3a)
    hdrs = [struct.unpack_from("<IIQQQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    stroff = hdrs[shstrndx][4]
    out = {}
    for h in hdrs:
        name = elf[stroff + h[0]:elf.index(b"\0", stroff + h[0])].decode()
        out[name] = (h[4], h[5])  # offset, size
    return out


def types(elf, btf_off):
    _, _, _, hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from("<HBBIIIII", elf, btf_off)
    pos = btf_off + hdr_len + type_off
    end = pos + type_len
    tid = 1
    while pos < end:
        name_off, info, typ = struct.unpack_from("<III", elf, pos)
        kind, vlen = (info >> 24) & 0x1f, info & 0xffff
        yield tid, pos, kind, vlen, name_off, typ
        pos += 12 + KIND_SIZE.get(kind, 0) + VLEN_SIZE.get(kind, 0) * vlen
        tid += 1


def main():
    kind, src, dst = sys.argv[1:4]
    elf = bytearray(open(src, "rb").read())
    secs = sections(elf)
    btf_off, _ = secs[".BTF"]
    _, _, _, hdr_len, _, _, str_off, str_len = struct.unpack_from("<HBBIIIII", elf, btf_off)
    strs = btf_off + hdr_len + str_off
    all_types = list(types(elf, btf_off))
    if kind == "utf8":
        for _, pos, k, vlen, _, _ in all_types:
            if k == 13 and vlen:
                name_off, = struct.unpack_from("<I", elf, pos + 12)
                if name_off:
                    elf[strs + name_off] = 0xff
                    break
        else:
            sys.exit("no named FUNC_PROTO parameter")
    elif kind == "protoret":
        by_id = {t[0]: t for t in all_types}
        func = next(t for t in all_types if t[2] == 12)
        proto = by_id[func[5]]
        struct.pack_into("<I", elf, proto[1] + 8, 0x7fffffff)
    elif kind == "linestr":
        ext_off, _ = secs[".BTF.ext"]
        _, _, _, ehdr_len, _, _, line_off, line_len = struct.unpack_from("<HBBIIIII", elf, ext_off)
        assert line_len, "no line_info"
        sub = ext_off + ehdr_len + line_off
        rec_size, = struct.unpack_from("<I", elf, sub)
        first_rec = sub + 4 + 8           # record size, then {sec_name_off, num_info}
        struct.pack_into("<I", elf, first_rec + 8, str_len + 0x1000)   # line_off
        struct.pack_into("<I", elf, first_rec + 4, str_len + 0x2000)   # file_name_off
    else:
        sys.exit(f"unknown mutation {kind}")
    open(dst, "wb").write(elf)


main()
