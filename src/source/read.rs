//! Reading a file's bytes safely and decoding them to text.
//!
//! Files are opened with `O_NONBLOCK` and checked through the open handle, so a file that was
//! swapped for a FIFO after the walk saw a regular file fails at once instead of blocking
//! forever. Documents (JSON, YAML, Markdown) are read whole, up to a size limit that is
//! enforced while reading, so a file that grows after it was measured cannot exceed it. Data
//! files are never held in memory here: [`scan_encoding`] streams them to find the first
//! encoding error.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Opens `path` for reading without blocking, and fails unless it is a regular file.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok(file)
}

/// Reads a whole regular file, failing at once on a FIFO, socket or device instead of blocking.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_regular(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads a whole regular file as UTF-8 text, as [`read_regular`] does.
pub fn read_regular_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read_regular(path)?).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
}

/// The reason [`read_limited`] failed.
#[derive(Debug)]
pub enum ReadError {
    /// The file is larger than the limit: `size` is its size, or the bytes read before giving
    /// up when it grew while being read.
    TooLarge {
        size: u64,
    },
    Io(io::Error),
}

/// Reads a whole regular file of at most `limit` bytes.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = open_regular(path).map_err(ReadError::Io)?;
    let size = file.metadata().map_err(ReadError::Io)?.len();
    if size > limit {
        return Err(ReadError::TooLarge { size });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: bytes.len() as u64 });
    }
    Ok(bytes)
}

/// A file whose bytes are not text mlconform can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset of the first bad byte in the file, byte order mark included.
    pub offset: u64,
    pub problem: DecodeProblem,
    /// The 1-based line and column (in characters) of the bad byte, set by [`scan_encoding`],
    /// which keeps no text to compute them from later.
    pub position: Option<(u64, u64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeProblem {
    InvalidUtf8,
    NulByte,
    /// A UTF-16 file with an odd number of bytes: its last unit is cut in half.
    TruncatedUtf16,
    /// A UTF-16 surrogate without its partner.
    UnpairedSurrogate,
    /// A UTF-32 byte order mark.
    Utf32,
    /// A UTF-16 byte order mark where only UTF-8 is read (data files, which are streamed).
    Utf16NotSupported,
}

impl fmt::Display for DecodeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecodeProblem::InvalidUtf8 => "invalid UTF-8",
            DecodeProblem::NulByte => "NUL byte in a text file",
            DecodeProblem::TruncatedUtf16 => "UTF-16 text with an odd number of bytes",
            DecodeProblem::UnpairedSurrogate => "invalid UTF-16 (an unpaired surrogate)",
            DecodeProblem::Utf32 => "UTF-32 text is not supported",
            DecodeProblem::Utf16NotSupported => "UTF-16 data files are not supported",
        })
    }
}

impl DecodeError {
    fn new(offset: usize, problem: DecodeProblem) -> DecodeError {
        DecodeError { offset: offset as u64, problem, position: None }
    }
}

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];
const UTF16_LE_BOM: &[u8] = &[0xFF, 0xFE];
const UTF16_BE_BOM: &[u8] = &[0xFE, 0xFF];
const UTF32_LE_BOM: &[u8] = &[0xFF, 0xFE, 0x00, 0x00];
const UTF32_BE_BOM: &[u8] = &[0x00, 0x00, 0xFE, 0xFF];

/// Decodes UTF-8 (with or without a byte order mark) and UTF-16 with a byte order mark. The
/// text has no byte order mark. A NUL character is an error in every encoding, because no
/// format mlconform reads allows one unescaped.
pub fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    if bytes.starts_with(UTF32_LE_BOM) || bytes.starts_with(UTF32_BE_BOM) {
        return Err(DecodeError::new(0, DecodeProblem::Utf32));
    }
    if let Some(rest) = bytes.strip_prefix(UTF16_LE_BOM) {
        return decode_utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(UTF16_BE_BOM) {
        return decode_utf16(rest, u16::from_be_bytes);
    }
    let (skipped, rest) = match bytes.strip_prefix(UTF8_BOM) {
        Some(rest) => (UTF8_BOM.len(), rest),
        None => (0, bytes),
    };
    // The first bad byte wins, so a NUL before invalid UTF-8 is the problem reported.
    let valid = match std::str::from_utf8(rest) {
        Ok(_) => rest.len(),
        Err(error) => error.valid_up_to(),
    };
    if let Some(at) = rest[..valid].iter().position(|&byte| byte == 0) {
        return Err(DecodeError::new(skipped + at, DecodeProblem::NulByte));
    }
    if valid < rest.len() {
        return Err(DecodeError::new(skipped + valid, DecodeProblem::InvalidUtf8));
    }
    // The bytes were validated above.
    Ok(String::from_utf8_lossy(rest).into_owned())
}

/// Decodes UTF-16 code units after a 2-byte byte order mark; offsets count the mark.
fn decode_utf16(rest: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, DecodeError> {
    const BOM: usize = 2;
    if rest.len() % 2 != 0 {
        return Err(DecodeError::new(BOM + rest.len() - 1, DecodeProblem::TruncatedUtf16));
    }
    let units = rest.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut text = String::with_capacity(rest.len() / 2);
    let mut at = BOM;
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok('\0') => return Err(DecodeError::new(at, DecodeProblem::NulByte)),
            Ok(ch) => {
                text.push(ch);
                at += ch.len_utf16() * 2;
            }
            Err(_) => return Err(DecodeError::new(at, DecodeProblem::UnpairedSurrogate)),
        }
    }
    Ok(text)
}

/// Bytes read at a time by [`scan_encoding`].
const SCAN_CHUNK: usize = 64 * 1024;

/// Streams `reader` and returns the first encoding error of UTF-8 text (a byte order mark is
/// allowed), without holding more than one chunk in memory.
pub fn scan_encoding(mut reader: impl Read) -> io::Result<Option<DecodeError>> {
    let mut buffer = vec![0u8; SCAN_CHUNK];

    // The byte order mark decides the encoding, so the first four bytes are read before
    // anything else, however few bytes each read returns.
    let mut filled = 0;
    while filled < UTF32_LE_BOM.len() {
        let read = read_retrying(&mut reader, &mut buffer[filled..UTF32_LE_BOM.len()])?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    let head = &buffer[..filled];
    if head.starts_with(UTF32_LE_BOM) || head.starts_with(UTF32_BE_BOM) {
        return Ok(Some(DecodeError::new(0, DecodeProblem::Utf32)));
    }
    if head.starts_with(UTF16_LE_BOM) || head.starts_with(UTF16_BE_BOM) {
        return Ok(Some(DecodeError::new(0, DecodeProblem::Utf16NotSupported)));
    }
    // Offset in the file of `buffer[0]`.
    let mut base = 0usize;
    if head.starts_with(UTF8_BOM) {
        buffer.copy_within(UTF8_BOM.len()..filled, 0);
        filled -= UTF8_BOM.len();
        base = UTF8_BOM.len();
    }

    // `carried` bytes at the buffer's front are waiting for the next read: the head above, or
    // a character cut by the end of the previous chunk.
    let mut carried = filled;
    let mut lines = LineCounter::default();
    loop {
        let read = read_retrying(&mut reader, &mut buffer[carried..])?;
        let filled = carried + read;
        let at_end = read == 0;
        let chunk = &buffer[..filled];
        if let Some(at) = chunk.iter().position(|&byte| byte == 0) {
            // Bytes before a NUL may still be invalid UTF-8; the earlier problem wins.
            if let Err(error) = std::str::from_utf8(&chunk[..at]) {
                let valid = error.valid_up_to();
                return Ok(Some(
                    lines.locate(DecodeError::new(base + valid, DecodeProblem::InvalidUtf8), &chunk[..valid]),
                ));
            }
            return Ok(Some(lines.locate(DecodeError::new(base + at, DecodeProblem::NulByte), &chunk[..at])));
        }
        match std::str::from_utf8(chunk) {
            Ok(_) => carried = 0,
            // A character cut by the end of the chunk is completed by the next read.
            Err(error) if error.error_len().is_none() && !at_end => {
                let valid = error.valid_up_to();
                lines.advance(&buffer[..valid]);
                buffer.copy_within(valid..filled, 0);
                carried = filled - valid;
                base += valid;
                continue;
            }
            Err(error) => {
                let valid = error.valid_up_to();
                let found = DecodeError::new(base + valid, DecodeProblem::InvalidUtf8);
                return Ok(Some(lines.locate(found, &chunk[..valid])));
            }
        }
        if at_end {
            return Ok(None);
        }
        lines.advance(chunk);
        base += filled;
    }
}

/// The line and column reached by a stream of valid UTF-8, advanced one chunk at a time.
#[derive(Default)]
struct LineCounter {
    /// Line breaks (`\n`) seen so far.
    breaks: u64,
    /// Characters since the last line break.
    column: u64,
}

impl LineCounter {
    fn advance(&mut self, valid: &[u8]) {
        let breaks = valid.iter().filter(|&&byte| byte == b'\n').count() as u64;
        let after = match valid.iter().rposition(|&byte| byte == b'\n') {
            Some(last) => {
                self.column = 0;
                &valid[last + 1..]
            }
            None => valid,
        };
        self.breaks += breaks;
        // In valid UTF-8 every character has exactly one byte that is not a continuation byte.
        self.column += after.iter().filter(|&&byte| byte & 0xC0 != 0x80).count() as u64;
    }

    /// Sets the position of `error`, which follows the valid bytes `before` in the chunk.
    fn locate(mut self, mut error: DecodeError, before: &[u8]) -> DecodeError {
        self.advance(before);
        error.position = Some((self.breaks + 1, self.column + 1));
        error
    }
}

fn read_retrying(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buffer) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16_le(text: &str) -> Vec<u8> {
        UTF16_LE_BOM.iter().copied().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect()
    }

    #[test]
    fn decode_strips_bom_and_reads_utf16() {
        assert_eq!(decode(b"\xEF\xBB\xBFa: 1").unwrap(), "a: 1");
        assert_eq!(decode(&utf16_le("a: é")).unwrap(), "a: é");
        let big_endian: Vec<u8> =
            UTF16_BE_BOM.iter().copied().chain("a: 😀".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode(&big_endian).unwrap(), "a: 😀");
    }

    #[test]
    fn decode_reports_byte_offsets() {
        assert_eq!(decode(b"ab\xFFcd").unwrap_err(), DecodeError::new(2, DecodeProblem::InvalidUtf8));
        assert_eq!(decode(b"ab\0cd").unwrap_err(), DecodeError::new(2, DecodeProblem::NulByte));
        assert_eq!(decode(b"a\0\xFFb").unwrap_err(), DecodeError::new(1, DecodeProblem::NulByte));
        assert_eq!(decode(b"\xEF\xBB\xBFab\xFF").unwrap_err(), DecodeError::new(5, DecodeProblem::InvalidUtf8));
        assert_eq!(decode(&utf16_le("ab\0")).unwrap_err(), DecodeError::new(6, DecodeProblem::NulByte));
        let mut odd = utf16_le("ab");
        odd.push(b'c');
        assert_eq!(decode(&odd).unwrap_err(), DecodeError::new(6, DecodeProblem::TruncatedUtf16));
        let mut lone = utf16_le("a");
        lone.extend_from_slice(&0xD800u16.to_le_bytes());
        lone.extend_from_slice(&u16::from(b'b').to_le_bytes());
        assert_eq!(decode(&lone).unwrap_err(), DecodeError::new(4, DecodeProblem::UnpairedSurrogate));
    }

    #[test]
    fn decode_rejects_utf32() {
        let mut bytes = UTF32_LE_BOM.to_vec();
        bytes.extend("a".chars().flat_map(|ch| (ch as u32).to_le_bytes()));
        assert_eq!(decode(&bytes).unwrap_err().problem, DecodeProblem::Utf32);
    }

    /// A reader that returns at most `step` bytes per call, to cut characters across reads.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let count = self.step.min(out.len()).min(self.bytes.len());
            out[..count].copy_from_slice(&self.bytes[..count]);
            self.bytes = &self.bytes[count..];
            Ok(count)
        }
    }

    #[test]
    fn scan_matches_decode_across_chunk_boundaries() {
        let valid = "a,é\n".repeat(40_000) + "日本,😀\n";
        let mut invalid = valid.clone().into_bytes();
        invalid.extend_from_slice(b"x\xC3(");
        let mut nul = valid.clone().into_bytes();
        nul.extend_from_slice(b"y\0");
        for step in [1, 3, 7, 65_536, usize::MAX] {
            let scan = |bytes: &[u8]| {
                scan_encoding(Trickle { bytes, step })
                    .unwrap()
                    .map(|error| (error.offset, error.problem, error.position))
            };
            let decoded = |bytes: &[u8]| decode(bytes).err().map(|error| (error.offset, error.problem));
            assert_eq!(scan(valid.as_bytes()), None, "step {step}");
            let (offset, problem, position) = scan(&invalid).unwrap();
            assert_eq!(Some((offset, problem)), decoded(&invalid), "step {step}");
            assert_eq!(position, Some((40_002, 2)), "step {step}");
            let (offset, problem, position) = scan(&nul).unwrap();
            assert_eq!(Some((offset, problem)), decoded(&nul), "step {step}");
            assert_eq!(position, Some((40_002, 2)), "step {step}");
        }
    }

    #[test]
    fn scan_reports_a_cut_character_at_the_end() {
        let bytes = b"a,b\n\xE6\x97";
        let found = scan_encoding(&bytes[..]).unwrap().unwrap();
        assert_eq!((found.offset, found.problem, found.position), (4, DecodeProblem::InvalidUtf8, Some((2, 1))));
    }

    #[test]
    fn scan_rejects_utf16_data() {
        assert_eq!(scan_encoding(&utf16_le("a,b")[..]).unwrap().unwrap().problem, DecodeProblem::Utf16NotSupported);
    }

    #[test]
    fn read_limited_refuses_large_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, b"{\"a\": 1}").unwrap();
        assert_eq!(read_limited(&path, 8).unwrap(), b"{\"a\": 1}");
        assert!(matches!(read_limited(&path, 7), Err(ReadError::TooLarge { size: 8 })));
    }
}
