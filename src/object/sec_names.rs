//! The ELF section names an object keeps after open (for `.BTF.ext` lookups once the ELF is
//! gone), in one buffer: a string each cost an allocation per section at every open.

/// Section names by section index.
#[derive(Default)]
pub struct SecNames {
    text: String,
    /// End of each name in `text` (a name starts where the previous one ends).
    ends: Vec<usize>,
}

impl SecNames {
    pub fn new<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> SecNames {
        let mut s = SecNames { text: String::new(), ends: Vec::with_capacity(names.len()) };
        for n in names {
            s.text.push_str(n);
            s.ends.push(s.text.len());
        }
        s
    }

    /// The name of section `idx`.
    pub fn get(&self, idx: usize) -> Option<&str> {
        let end = *self.ends.get(idx)?;
        let start = idx.checked_sub(1).map_or(0, |p| self.ends[p]);
        self.text.get(start..end)
    }

    /// Every name, in section order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).map(|i| self.get(i).unwrap_or(""))
    }
}

#[cfg(test)]
mod tests {
    use super::SecNames;

    #[test]
    fn names_by_index() {
        let n = SecNames::new(["", ".text", "tp/x", "", ".bss"].into_iter());
        assert_eq!(n.iter().collect::<Vec<_>>(), ["", ".text", "tp/x", "", ".bss"]);
        assert_eq!(n.get(2), Some("tp/x"));
        assert_eq!(n.get(3), Some(""));
        assert_eq!(n.get(5), None);
        assert_eq!(SecNames::default().get(0), None);
    }
}
