//! The first entry, in a given order, whose byte or instruction range holds a span: the program
//! of a section holding a CO-RE relocation's instruction, the map of `.maps` holding a relocated
//! slot. A scan in order answers that; when no two ranges overlap at most one can hold the span,
//! so the ranges are sorted once and searched by binary search (a scan per lookup made objects
//! with many programs or slots quadratic). Hostile input with overlapping ranges keeps the scan.

/// (start, end, index) entries in their order, searched by [`RangeIndex::find`].
pub(crate) struct RangeIndex {
    in_order: Vec<(u64, u64, usize)>,
    /// `in_order` sorted by start, when no two ranges overlap; `None` otherwise.
    sorted: Option<Vec<(u64, u64, usize)>>,
}

impl RangeIndex {
    pub(crate) fn new(in_order: Vec<(u64, u64, usize)>) -> Self {
        let mut sorted = in_order.clone();
        sorted.sort_unstable();
        let disjoint = sorted.windows(2).all(|w| w[0].1 <= w[1].0);
        RangeIndex { in_order, sorted: disjoint.then_some(sorted) }
    }

    /// The index of the first entry, in order, whose `start..end` holds `lo..hi`.
    pub(crate) fn find(&self, lo: u64, hi: u64) -> Option<usize> {
        let Some(sorted) = &self.sorted else {
            return self.in_order.iter().find(|e| e.0 <= lo && hi <= e.1).map(|e| e.2);
        };
        crate::work::add(crate::work::Kind::ScanStep, sorted.len().max(1).ilog2() as usize + 1);
        let i = sorted.partition_point(|e| e.0 <= lo).checked_sub(1)?;
        let (_, end, idx) = *sorted.get(i)?;
        (hi <= end).then_some(idx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every set of up to 3 ranges over 0..6 (overlapping, empty, duplicated, any order) and
    /// every span of up to 3 over 0..7: the entry found is the first in order holding the span,
    /// as a scan finds; the binary search runs on the disjoint sets.
    #[test]
    fn finds_what_a_scan_finds() {
        let ranges: Vec<(u64, u64)> = (0..6).flat_map(|a| (a..6).map(move |b| (a, b))).collect();
        let mut sets: Vec<Vec<(u64, u64)>> = vec![vec![]];
        for a in &ranges {
            sets.push(vec![*a]);
            for b in &ranges {
                sets.push(vec![*a, *b]);
                sets.extend(ranges.iter().map(|c| vec![*a, *b, *c]));
            }
        }
        let mut disjoint_seen = 0;
        for set in &sets {
            let in_order: Vec<_> = set.iter().enumerate().map(|(i, &(a, b))| (a, b, i * 7)).collect();
            let f = RangeIndex::new(in_order.clone());
            disjoint_seen += usize::from(f.sorted.is_some());
            for lo in 0..7 {
                for hi in lo + 1..lo + 4 {
                    let want = in_order.iter().find(|e| e.0 <= lo && hi <= e.1).map(|e| e.2);
                    assert_eq!(f.find(lo, hi), want, "{set:?} span {lo}..{hi}");
                }
            }
        }
        assert!(disjoint_seen > 100, "the binary search ran on {disjoint_seen} sets");
    }
}
