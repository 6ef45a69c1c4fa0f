//! Byte offsets to lines and columns.
//!
//! A line break is `\n`, `\r\n` (one break, not two) or a lone `\r`, so a file gives the same
//! positions whatever its line endings. Columns count Unicode scalar values, not bytes and not
//! UTF-16 code units, as SARIF's `unicodeCodePoints` column kind does.

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// The start offset of every line of a text, for fast offset → position lookups.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// For text that is not pure ASCII: the number of characters before every
    /// [`COLUMN_CHECKPOINT_BYTES`]-th byte (rounded down to a character boundary), so that a
    /// column on a very long line costs a short count, not a walk from the line's start.
    /// Empty for ASCII text, where a column is a byte difference.
    char_checkpoints: Vec<(usize, usize)>,
}

const COLUMN_CHECKPOINT_BYTES: usize = 4096;

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        let mut char_checkpoints = Vec::new();
        if !text.is_ascii() {
            let mut chars = 0;
            let mut previous = 0;
            let mut at = 0;
            while at < text.len() {
                let boundary = floor_char_boundary(text, at);
                chars += text[previous..boundary].chars().count();
                char_checkpoints.push((boundary, chars));
                previous = boundary;
                at += COLUMN_CHECKPOINT_BYTES;
            }
        }
        LineIndex { starts, char_checkpoints }
    }

    /// The number of characters in `text` before byte `offset` (a character boundary).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        if self.char_checkpoints.is_empty() {
            return offset;
        }
        let index = self.char_checkpoints.partition_point(|&(byte, _)| byte <= offset).saturating_sub(1);
        let (byte, chars) = self.char_checkpoints[index];
        chars + text[byte..offset].chars().count()
    }

    /// The position of byte `offset` in `text` (the text this index was built from). An offset
    /// past the end, or inside a character, is clamped to a valid place.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        let start = self.starts[line];
        let column = self.chars_before(text, offset) - self.chars_before(text, start) + 1;
        Position { line: line + 1, column }
    }

    /// The byte offset where `line` (1-based) starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Converts a character index (as `saphyr` reports positions) to a byte offset.
///
/// Walking the text once per lookup would be quadratic, so callers that convert many indices
/// keep a [`CharOffsets`] instead.
#[derive(Debug, Clone)]
pub struct CharOffsets<'a> {
    text: &'a str,
    /// Byte offset of every 64th character, so a lookup walks at most 63 characters.
    checkpoints: Vec<usize>,
}

const CHECKPOINT_EVERY: usize = 64;

impl<'a> CharOffsets<'a> {
    pub fn new(text: &'a str) -> CharOffsets<'a> {
        let checkpoints = text.char_indices().step_by(CHECKPOINT_EVERY).map(|(byte, _)| byte).collect();
        CharOffsets { text, checkpoints }
    }

    /// The byte offset of character `index`; the text's length for an index past the end.
    pub fn byte_offset(&self, index: usize) -> usize {
        let Some(&from) = self.checkpoints.get(index / CHECKPOINT_EVERY) else {
            return self.text.len();
        };
        let rest = index % CHECKPOINT_EVERY;
        match self.text[from..].char_indices().nth(rest) {
            Some((byte, _)) => from + byte,
            None => self.text.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_lf_and_lone_cr_are_one_break_each() {
        let text = "a\r\nb\nc\rd";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, text.find('b').unwrap()), Position { line: 2, column: 1 });
        assert_eq!(index.position(text, text.find('c').unwrap()), Position { line: 3, column: 1 });
        assert_eq!(index.position(text, text.find('d').unwrap()), Position { line: 4, column: 1 });
    }

    #[test]
    fn columns_count_scalar_values_not_bytes() {
        let text = "name: \"Ésperanto 日本\" x";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, text.find('x').unwrap()).column, 22);
    }

    #[test]
    fn columns_on_long_non_ascii_lines() {
        let text = "é".repeat(10_000) + "x" + &"日".repeat(5_000) + "\nab";
        let index = LineIndex::new(&text);
        assert_eq!(index.position(&text, text.find('x').unwrap()), Position { line: 1, column: 10_001 });
        let last = text.rfind('日').unwrap();
        assert_eq!(index.position(&text, last), Position { line: 1, column: 15_001 });
        assert_eq!(index.position(&text, text.len() - 1), Position { line: 2, column: 2 });
    }

    #[test]
    fn char_index_to_byte_offset() {
        let text: String = "é".repeat(200) + "x";
        let offsets = CharOffsets::new(&text);
        assert_eq!(offsets.byte_offset(200), text.find('x').unwrap());
        assert_eq!(offsets.byte_offset(130), 260);
        assert_eq!(offsets.byte_offset(10_000), text.len());
    }
}
