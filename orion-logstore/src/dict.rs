//! String dictionaries: each distinct string once, entries refer to it by
//! index. Stored as `varint n · n × (varint len · UTF-8)`.

use std::collections::HashMap;

use crate::error::Result;
use crate::wire::{Reader, put_len, put_str};

/// Assigns indexes to strings in order of first appearance.
#[derive(Debug, Default)]
pub(crate) struct DictBuilder<'a> {
    index: HashMap<&'a str, u32>,
    strings: Vec<&'a str>,
    last: Option<(&'a str, u32)>,
}

impl<'a> DictBuilder<'a> {
    /// The index of `s`, adding it if new.
    pub(crate) fn index(&mut self, s: &'a str) -> u32 {
        if let Some((prev, i)) = self.last
            && prev == s
        {
            return i;
        }
        let next = self.strings.len() as u32;
        let i = *self.index.entry(s).or_insert_with(|| {
            self.strings.push(s);
            next
        });
        self.last = Some((s, i));
        i
    }

    /// The strings, by index.
    pub(crate) fn strings(&self) -> &[&'a str] {
        &self.strings
    }

    /// Appends the stored form.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        write_strings(out, self.strings.iter().copied());
    }
}

/// Appends a list of strings.
pub(crate) fn write_strings<'s>(out: &mut Vec<u8>, strings: impl ExactSizeIterator<Item = &'s str>) {
    put_len(out, strings.len());
    for s in strings {
        put_str(out, s);
    }
}

/// Reads a list of strings.
pub(crate) fn read_strings(r: &mut Reader<'_>) -> Result<Vec<String>> {
    let n = r.len(r.remaining())?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(r.str()?.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Part;

    #[test]
    fn indexes_follow_first_appearance() {
        let mut d = DictBuilder::default();
        assert_eq!([d.index("b"), d.index("a"), d.index("b"), d.index("b"), d.index("")], [0, 1, 0, 0, 2]);
        let mut out = Vec::new();
        d.write(&mut out);
        let mut r = Reader::new(&out, Part::Head);
        assert_eq!(read_strings(&mut r).unwrap(), ["b", "a", ""]);
        r.finish().unwrap();
    }

    #[test]
    fn a_count_larger_than_the_bytes_is_an_error() {
        assert!(read_strings(&mut Reader::new(&[200, 1, b'a'], Part::Head)).is_err());
    }
}
