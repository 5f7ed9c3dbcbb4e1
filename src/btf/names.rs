//! The name index of a BTF's own types, for `btf__find_by_name[_kind]` in a process that asks
//! many names: the ids of named types grouped by a hash of the name (a counting sort, so
//! building it is one pass over the names, no comparison sort), each group in id order so the
//! first match is the smallest id, as libbpf's linear search finds.

use super::Btf;

#[derive(Clone)]
pub(super) struct NameIndex {
    /// Group `g` is `ids[heads[g]..heads[g + 1]]`.
    heads: Box<[u32]>,
    ids: Box<[u32]>,
}

const K: u64 = 0x517c_c1b7_2722_0a95;

fn mix(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(K)
}

fn fold(h: u64) -> u32 {
    (h >> 32) as u32 ^ h as u32
}

/// Hash of a name: its bytes as little-endian 8-byte words, the last (partial, possibly empty)
/// word padded with zeros.
pub(super) fn hash_bytes(name: &[u8]) -> u32 {
    let mut h = 0;
    let mut words = name.chunks_exact(8);
    for c in &mut words {
        h = mix(h, u64::from_le_bytes(c.try_into().unwrap_or_default()));
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    fold(mix(h, u64::from_le_bytes(last)))
}

/// [`hash_bytes`] of the NUL-terminated string at the start of `s`, and its length, reading
/// a word at a time; `None` if `s` holds no NUL.
pub(super) fn hash_cstr(s: &[u8]) -> Option<(u32, usize)> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut h = 0;
    let mut i = 0;
    while let Some(c) = s.get(i..i + 8) {
        let w = u64::from_le_bytes(c.try_into().unwrap_or_default());
        // The lowest set bit marks the first zero byte (later bits may be false positives).
        let z = w.wrapping_sub(LO) & !w & HI;
        if z != 0 {
            let n = (z.trailing_zeros() / 8) as usize;
            let keep = if n == 0 { 0 } else { u64::MAX >> (64 - 8 * n) };
            return Some((fold(mix(h, w & keep)), i + n));
        }
        h = mix(h, w);
        i += 8;
    }
    let tail = s.get(i..)?;
    let n = tail.iter().position(|&b| b == 0)?;
    let mut last = [0u8; 8];
    last[..n].copy_from_slice(&tail[..n]);
    Some((fold(mix(h, u64::from_le_bytes(last))), i + n))
}

impl NameIndex {
    /// Index `btf`'s own named types (anonymous ones are left out).
    pub(super) fn build(btf: &Btf) -> NameIndex {
        let start = btf.start_id();
        let n = (btf.type_cnt() - start) as usize;
        // About four names per group: a lookup compares a few names, the index stays small.
        let groups = (n / 4).max(1).next_power_of_two();
        let mask = groups - 1;
        let mut group_of = Vec::with_capacity(n);
        let mut heads = vec![0u32; groups + 1];
        for id in start..btf.type_cnt() {
            let named = btf.own_name_off(id).and_then(|off| btf.str_tail(off)).and_then(hash_cstr);
            let Some((h, _)) = named.filter(|&(_, len)| len > 0) else {
                group_of.push(u32::MAX);
                continue;
            };
            let g = h as usize & mask;
            heads[g + 1] += 1;
            group_of.push(g as u32);
        }
        for g in 0..groups {
            heads[g + 1] += heads[g];
        }
        let mut next: Vec<u32> = heads[..groups].to_vec();
        let mut ids = vec![0u32; heads[groups] as usize];
        for (i, &g) in group_of.iter().enumerate() {
            if let Some(slot) = next.get_mut(g as usize) {
                ids[*slot as usize] = start + i as u32;
                *slot += 1;
            }
        }
        NameIndex { heads: heads.into(), ids: ids.into() }
    }

    /// Own ids, ascending, among which every type named `name` (not empty) is found.
    pub(super) fn candidates(&self, name: &[u8]) -> &[u32] {
        let groups = self.heads.len() - 1;
        let g = hash_bytes(name) as usize & (groups - 1);
        self.ids.get(self.heads[g] as usize..self.heads[g + 1] as usize).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_hash_matches_byte_hash() {
        let text: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for len in 0..text.len() {
            for pad in 0..10 {
                let mut s = text[..len].to_vec();
                s.push(0);
                s.extend(std::iter::repeat_n(b'x', pad));
                assert_eq!(hash_cstr(&s), Some((hash_bytes(&text[..len]), len)), "len {len} pad {pad}");
            }
        }
        assert_eq!(hash_cstr(b"no nul"), None);
        assert_ne!(hash_bytes(b"task_struct"), hash_bytes(b"task_structs"));
        assert_ne!(hash_bytes(b"sock"), hash_bytes(b"sock_common"));
    }
}
