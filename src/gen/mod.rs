//! Code generators behind `oxbpf gen`: C skeleton headers with bpftool 7.5's API.

pub mod btfdump;
pub mod skeleton;
pub mod subskeleton;

/// Replace every byte that cannot appear in a C identifier with `_`.
pub fn sanitize(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'_' { b as char } else { '_' }).collect()
}

/// The object name bpftool derives from a file path: base name, `.o` dropped, sanitized,
/// at most 63 bytes.
pub fn obj_name_from_path(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    let mut b = base.as_bytes()[..base.len().min(63)].to_vec();
    if b.ends_with(b".o") {
        b.truncate(b.len() - 2);
    }
    sanitize(&String::from_utf8_lossy(&b))
}

/// Append `data` as the body of a C string literal, wrapped with `\` newlines at 78 columns
/// (the layout bpftool uses for embedded bytes).
pub fn push_hex(out: &mut String, data: &[u8]) {
    use std::fmt::Write;
    let mut col = 0;
    for &b in data {
        let w = if b == 0 { 2 } else { 4 };
        col += w;
        if col > 78 {
            out.push_str("\\\n");
            col = w;
        }
        if b == 0 {
            out.push_str("\\0");
        } else {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}

/// The `/* maps */` block both generators write: `s->maps` allocated for `count` entries of
/// `sz` bytes (or the caller's larger `struct bpf_map_skeleton`).
pub(crate) fn push_maps_alloc(o: &mut String, count: usize, sz: usize) {
    use std::fmt::Write;
    let _ = write!(
        o,
        "
	/* maps */
	s->map_cnt = {count};
	s->map_skel_sz = {sz};
	s->maps = (struct bpf_map_skeleton *)calloc(s->map_cnt,
			sizeof(*s->maps) > {sz} ? sizeof(*s->maps) : {sz});
	if (!s->maps) {{
		err = -ENOMEM;
		goto err;
	}}
"
    );
}

/// One map entry's name and map pointer (both generators; the skeleton adds more fields).
pub(crate) fn push_map_entry(o: &mut String, i: usize, name: &str, id: &str) {
    use std::fmt::Write;
    let _ = write!(
        o,
        "\n\tmap = (struct bpf_map_skeleton *)((char *)s->maps + {i} * s->map_skel_sz);\n\tmap->name = \"{name}\";\n\tmap->map = &obj->maps.{id};\n"
    );
}

/// The struct_ops shadows both generators point at after open: each map's
/// `bpf_map__initial_value`, cast to the shadow type of `obj->struct_ops`.
pub(crate) fn push_struct_ops_shadows<'a>(o: &mut String, ids: impl IntoIterator<Item = &'a str>) {
    use std::fmt::Write;
    for id in ids {
        let _ = write!(
            o,
            "\tobj->struct_ops.{id} = (__typeof__(obj->struct_ops.{id}))\n\t\tbpf_map__initial_value(obj->maps.{id}, NULL);\n\n"
        );
    }
}

/// The `/* programs */` block both generators write: `s->progs` for `count` entries.
pub(crate) fn push_progs_alloc(o: &mut String, count: usize) {
    use std::fmt::Write;
    let _ = write!(
        o,
        "
	/* programs */
	s->prog_cnt = {count};
	s->prog_skel_sz = sizeof(*s->progs);
	s->progs = (struct bpf_prog_skeleton *)calloc(s->prog_cnt, s->prog_skel_sz);
	if (!s->progs) {{
		err = -ENOMEM;
		goto err;
	}}
"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_bpftool() {
        assert_eq!(obj_name_from_path("/a/b/tcp-cc.bpf.o"), "tcp_cc_bpf");
        assert_eq!(obj_name_from_path("x.o"), "x");
        assert_eq!(obj_name_from_path("noext"), "noext");
        assert_eq!(obj_name_from_path(&"a".repeat(80)).len(), 63);
    }

    #[test]
    fn hex_wraps_at_78_columns() {
        let mut s = String::new();
        push_hex(&mut s, &[0u8; 40]);
        // 39 "\0" fit in 78 columns, the 40th starts a new line.
        assert_eq!(s, format!("{}\\\n\\0", "\\0".repeat(39)));
        let mut s = String::new();
        push_hex(&mut s, &[0xab, 0]);
        assert_eq!(s, "\\xab\\0");
    }
}
