//! The Unicode that Python's `int(str)` and `float(str)` accept besides ASCII: CPython first
//! applies `_PyUnicode_TransformDecimalAndSpaceToASCII` (`Objects/unicodeobject.c`), which turns
//! every non-ASCII decimal digit (`unicodedata.decimal`) into its ASCII digit and every non-ASCII
//! white space character into a space, and leaves ASCII alone; the number parser then strips
//! ASCII white space (`\t\n\x0b\x0c\r` and space). So `int('٣')` is 3 and `float('١.٥')` is
//! 1.5, while `int('3\x1c')` fails although `'\x1c'.isspace()` (checked with Python 3.11).
//!
//! The digit table was generated with Python 3.11 (Unicode 14.0):
//! `[c for c in range(0x110000) if unicodedata.decimal(chr(c), -1) == 0]` (each digit zero is
//! followed by the digits one to nine). Python's non-ASCII white space is exactly Unicode's
//! `White_Space` (Rust's `char::is_whitespace`).

use std::borrow::Cow;

/// The code points of Unicode's decimal digit zeros; digit `d` of each script is `zero + d`.
const DIGIT_ZEROS: [u32; 66] = [
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0,
    0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0,
    0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The ASCII digit of a Unicode decimal digit.
fn ascii_digit(c: char) -> Option<char> {
    let code = u32::from(c);
    let i = DIGIT_ZEROS
        .partition_point(|zero| *zero <= code)
        .checked_sub(1)?;
    let d = code - DIGIT_ZEROS[i];
    (d < 10).then(|| char::from(b'0' + d as u8))
}

/// `s` as CPython's numeric parsers see it: non-ASCII decimal digits in ASCII, non-ASCII white
/// space as spaces, ASCII unchanged.
/// `None` when another non-ASCII character is left (CPython's transform makes it `?`, which
/// no number accepts).
pub(crate) fn ascii_decimal_and_space(s: &str) -> Option<Cow<'_, str>> {
    if s.is_ascii() {
        return Some(Cow::Borrowed(s));
    }
    s.chars()
        .map(|c| {
            if c.is_ascii() {
                Some(c)
            } else if c.is_whitespace() {
                Some(' ')
            } else {
                ascii_digit(c)
            }
        })
        .collect::<Option<String>>()
        .map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_and_spaces_as_python_reads_them() {
        // Python 3.11: int('٣') == 3, int(' \u3000٣_٤ ') == 34, float('١.٥e٢') == 150.0;
        // int('\x1c5') raises (ASCII is left alone, and \x1c is no ASCII white space for the
        // parser); '½' and '²' are not decimal digits (int() raises).
        assert_eq!(ascii_decimal_and_space("٣").as_deref(), Some("3"));
        assert_eq!(
            ascii_decimal_and_space(" \u{3000}٣_٤ ").as_deref(),
            Some("  3_4 ")
        );
        assert_eq!(ascii_decimal_and_space("١.٥e٢").as_deref(), Some("1.5e2"));
        assert_eq!(
            ascii_decimal_and_space("\u{1c}5").as_deref(),
            Some("\u{1c}5")
        );
        assert_eq!(crate::override_functions::python_int("\u{1c}5"), None);
        assert_eq!(
            crate::override_functions::python_int("3\u{85}"),
            Some(crate::value::Value::Int(3))
        );
        assert_eq!(ascii_decimal_and_space("½"), None);
        assert_eq!(ascii_decimal_and_space("²"), None);
        // The last digit of the last script, and the code point after it.
        assert_eq!(ascii_decimal_and_space("\u{1FBF9}").as_deref(), Some("9"));
        assert_eq!(ascii_decimal_and_space("\u{1FBFA}"), None);
    }
}
