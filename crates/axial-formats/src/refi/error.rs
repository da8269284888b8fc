//! The one error type of REFI-QDA reading and writing.
//!
//! Every variant names where the problem is (archive entry, XML element and
//! line, GUID) and, where it helps, what to do. A file that is not what it
//! claims, or that could harm the machine (zip slip, zip bomb, DTD tricks),
//! is an error; things Axial merely cannot represent are not errors but
//! entries in the [`super::LossReport`].

/// Why a REFI-QDA file could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefiError {
    #[error(
        "the file is not a readable ZIP archive ({detail}); a .qdpx file must be a ZIP archive"
    )]
    NotZip { detail: String },
    #[error("archive entry '{name}' {why}; the archive was rejected because unpacking it could write outside its folder")]
    UnsafeEntryName { name: String, why: &'static str },
    #[error("the archive has {count} entries; at most {max} are accepted (raise Limits::max_entries if this project is genuine)")]
    TooManyEntries { count: usize, max: usize },
    #[error("archive entry '{name}' unpacks to {size} bytes; at most {max} bytes are accepted per entry (raise Limits::max_entry_uncompressed if this is genuine)")]
    EntryTooLarge { name: String, size: u64, max: u64 },
    #[error("the archive unpacks to more than {max} bytes in total; it was rejected as a possible zip bomb (raise Limits::max_total_uncompressed if this is genuine)")]
    TotalTooLarge { max: u64 },
    #[error("archive entry '{name}' is compressed {ratio}:1, more than the {max}:1 allowed; it was rejected as a possible zip bomb")]
    CompressionRatio { name: String, ratio: u64, max: u64 },
    #[error("archive entry '{name}' is encrypted; export the project again without a password")]
    Encrypted { name: String },
    #[error(
        "the archive holds no .qde project file at its root; a .qdpx must contain project.qde"
    )]
    NoProjectFile,
    #[error("the archive holds several .qde files at its root ({names}) and none is named project.qde; keep only one")]
    SeveralProjectFiles { names: String },
    #[error("{entry} is {size} bytes of XML; at most {max} bytes are accepted (raise Limits::max_xml_bytes if this is genuine)")]
    XmlTooLarge { entry: String, size: u64, max: u64 },
    #[error(
        "{entry} is not UTF-8 ({detail}); REFI-QDA files must be UTF-8, so re-export the project"
    )]
    NotUtf8 { entry: String, detail: String },
    #[error("{entry} line {line}: a DOCTYPE declaration is not allowed in REFI-QDA files (it can pull in external files or expand entities without bound); the file was rejected")]
    Doctype { entry: String, line: u32 },
    #[error("{entry} line {line}: unknown entity '&{name};'; only the five XML entities and character references are allowed")]
    UnknownEntity {
        entry: String,
        line: u32,
        name: String,
    },
    #[error("{entry} line {line}: malformed XML: {message}")]
    Xml {
        entry: String,
        line: u32,
        message: String,
    },
    #[error("{entry}: elements are nested more than {max} deep; the file was rejected")]
    TooDeep { entry: String, max: usize },
    #[error("{entry}: the root element is <{found}>, expected <{expected}>; this is not a REFI-QDA {kind} file")]
    NotRefi {
        entry: String,
        found: String,
        expected: &'static str,
        kind: &'static str,
    },
    #[error("{entry} line {line}: <{element}> lacks the required attribute '{attribute}'")]
    MissingAttribute {
        entry: String,
        line: u32,
        element: String,
        attribute: &'static str,
    },
    #[error("{entry} line {line}: <{element} {attribute}=\"{value}\"> is not {expected}")]
    InvalidAttribute {
        entry: String,
        line: u32,
        element: String,
        attribute: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{entry} line {line}: <{element}> reuses GUID {guid}, already given to <{first_element}> on line {first_line}; every object needs its own GUID")]
    DuplicateGuid {
        entry: String,
        line: u32,
        element: String,
        guid: String,
        first_element: String,
        first_line: u32,
    },
    #[error("{entry} line {line}: <{element}> refers to {guid}, which is not {expected} in this project")]
    MissingReference {
        entry: String,
        line: u32,
        element: String,
        guid: String,
        expected: &'static str,
    },
    #[error("{entry} line {line}: selection {selection} of source '{source_name}' covers positions {start}..{end}, outside its text of {len} characters (tried code points and UTF-16 units, with and without CRLF counted as two)")]
    SpanOutOfRange {
        entry: String,
        line: u32,
        selection: String,
        source_name: String,
        start: u64,
        end: u64,
        len: u32,
    },
    #[error("{entry} line {line}: selection {selection} starts at {start}, after its end {end}")]
    ReversedSpan {
        entry: String,
        line: u32,
        selection: String,
        start: u64,
        end: u64,
    },
    #[error("source file '{entry}' is not readable text ({detail}); plain text in a .qdpx must be UTF-8")]
    SourceText { entry: String, detail: String },
    #[error("cannot export: {detail}")]
    Export { detail: String },
    #[error("codebook CSV line {line}: {detail}")]
    Csv { line: u64, detail: String },
    #[error("writing the archive failed: {detail}")]
    Write { detail: String },
}

impl From<zip::result::ZipError> for RefiError {
    fn from(e: zip::result::ZipError) -> Self {
        RefiError::NotZip {
            detail: e.to_string(),
        }
    }
}
