//! Netlink message building and bounds-checked attribute parsing.

/// A request being built: the 16-byte netlink header, the family header, then attributes.
pub struct Msg {
    buf: Vec<u8>,
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

impl Msg {
    /// A request of type `ty` with `flags`, carrying `family_hdr` (ifinfomsg, tcmsg, genlmsghdr).
    pub fn new(ty: u16, flags: u16, family_hdr: &[u8]) -> Msg {
        let mut buf = Vec::with_capacity(256);
        buf.extend_from_slice(&0u32.to_ne_bytes()); // length, set as the message grows
        buf.extend_from_slice(&ty.to_ne_bytes());
        buf.extend_from_slice(&flags.to_ne_bytes());
        buf.extend_from_slice(&0u32.to_ne_bytes()); // sequence number, set at send
        buf.extend_from_slice(&0u32.to_ne_bytes()); // port id 0: the kernel
        buf.extend_from_slice(family_hdr);
        buf.resize(align4(buf.len()), 0);
        let mut m = Msg { buf };
        m.set_len();
        m
    }

    fn set_len(&mut self) {
        let n = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&n.to_ne_bytes());
    }

    fn put_u16_at(&mut self, off: usize, v: u16) {
        self.buf[off..off + 2].copy_from_slice(&v.to_ne_bytes());
    }

    /// Append attribute `ty` holding `data` (padded to 4 bytes).
    pub fn attr(&mut self, ty: u16, data: &[u8]) {
        let len = 4 + data.len();
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.buf.resize(align4(self.buf.len()), 0);
        self.set_len();
    }

    /// Open a nested attribute (`NLA_F_NESTED` set); close it with [`Msg::end_nested`].
    pub fn begin_nested(&mut self, ty: u16) -> usize {
        let at = self.buf.len();
        self.attr(ty | NLA_F_NESTED, &[]);
        at
    }

    /// Close the nested attribute opened at `at`: its length covers what was added since.
    pub fn end_nested(&mut self, at: usize) {
        let len = (self.buf.len() - at) as u16;
        self.put_u16_at(at, len);
    }

    pub fn set_seq(&mut self, seq: u32) {
        self.buf[8..12].copy_from_slice(&seq.to_ne_bytes());
    }

    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }
}

const NLA_F_NESTED: u16 = 1 << 15;
const NLA_F_NET_BYTEORDER: u16 = 1 << 14;
const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

/// Attributes of one message level, by type (the last one of a type wins, as in libbpf).
#[derive(Default)]
pub struct Attrs<'a> {
    by_type: Vec<(u16, &'a [u8])>,
}

impl<'a> Attrs<'a> {
    /// The payload of attribute `ty`.
    pub fn get(&self, ty: u16) -> Option<&'a [u8]> {
        self.by_type.iter().rev().find(|(t, _)| *t == ty).map(|(_, d)| *d)
    }
    fn fixed<const N: usize>(&self, ty: u16) -> Option<[u8; N]> {
        self.get(ty)?.get(..N)?.try_into().ok()
    }
    pub fn u8(&self, ty: u16) -> Option<u8> {
        self.fixed::<1>(ty).map(|b| b[0])
    }
    pub fn u16(&self, ty: u16) -> Option<u16> {
        self.fixed(ty).map(u16::from_ne_bytes)
    }
    pub fn u32(&self, ty: u16) -> Option<u32> {
        self.fixed(ty).map(u32::from_ne_bytes)
    }
    pub fn u64(&self, ty: u16) -> Option<u64> {
        self.fixed(ty).map(u64::from_ne_bytes)
    }
}

/// Split a run of attributes; stops at the first one whose header or length does not fit.
pub fn parse_attrs(mut b: &[u8]) -> Attrs<'_> {
    let mut out = Attrs::default();
    while b.len() >= 4 {
        let len = u16::from_ne_bytes([b[0], b[1]]) as usize;
        let ty = u16::from_ne_bytes([b[2], b[3]]) & NLA_TYPE_MASK;
        if len < 4 || len > b.len() {
            break;
        }
        out.by_type.push((ty, &b[4..len]));
        b = &b[align4(len).min(b.len())..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_and_parse() {
        let mut m = Msg::new(19, 5, &[0u8; 16]);
        let n = m.begin_nested(43);
        m.attr(1, &7i32.to_ne_bytes());
        m.attr(3, &[1, 2]);
        m.end_nested(n);
        let b = m.bytes();
        assert_eq!(u32::from_ne_bytes(b[0..4].try_into().unwrap()) as usize, b.len());
        assert_eq!(b.len(), 16 + 16 + 4 + 8 + 8);
        let top = parse_attrs(&b[32..]);
        let nest = top.get(43).unwrap();
        assert_eq!(nest.len(), 16);
        let inner = parse_attrs(nest);
        assert_eq!(inner.u32(1), Some(7));
        assert_eq!(inner.get(3), Some(&[1u8, 2][..]));
        assert_eq!(inner.u32(3), None);
        // a truncated attribute ends the run
        assert!(parse_attrs(&[8, 0, 1, 0, 0]).get(1).is_none());
    }
}
