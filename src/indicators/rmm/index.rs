//! The compiled form of a catalog: hash maps keyed on lowercase values and
//! one Aho-Corasick automaton over all path fragments (in both slash styles,
//! ASCII case-insensitive, so paths are searched as they arrive), so a row
//! costs a lowercase copy of a file name into a reused buffer plus a few
//! lookups. When several tools
//! claim the same value the earliest tool in the catalog keeps it, which lets
//! the curated entries take precedence over a merged feed.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use super::catalog::RmmTool;

pub type ToolId = usize;

/// Which kind of indicator matched, as written into evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indicator {
    ProcessName,
    ExecutablePath,
    InstallPath,
    CommandLine,
    ProgramName,
    Publisher,
    BundleId,
    PackageName,
    ChromeExtension,
    DriverImage,
    DriverProvider,
}

impl Indicator {
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::ProcessName => "process_name",
            Indicator::ExecutablePath => "executable_name_in_path",
            Indicator::InstallPath => "install_path",
            Indicator::CommandLine => "command_line",
            Indicator::ProgramName => "program_name",
            Indicator::Publisher => "publisher",
            Indicator::BundleId => "bundle_identifier",
            Indicator::PackageName => "package_name",
            Indicator::ChromeExtension => "chrome_extension_id",
            Indicator::DriverImage => "driver_image",
            Indicator::DriverProvider => "driver_provider",
        }
    }
}

/// A row's attribution: the tool, the indicator and the catalog value.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit<'a> {
    pub tool: ToolId,
    pub indicator: Indicator,
    pub value: &'a str,
}

/// Keeps the hit of the earliest catalog tool.
fn better<'a>(current: Option<Hit<'a>>, candidate: Option<Hit<'a>>) -> Option<Hit<'a>> {
    match (current, candidate) {
        (Some(c), Some(n)) if n.tool < c.tool => Some(n),
        (None, n) => n,
        (c, _) => c,
    }
}

/// Reused lowercase buffers; one per `detect` call.
#[derive(Default)]
pub struct Buffers {
    a: String,
    b: String,
    /// Free for callers outside the index.
    pub scratch: String,
}

#[derive(Debug, Default)]
pub struct MatchIndex {
    executables: FastMap<String, ToolId>,
    fragments: Option<AhoCorasick>,
    fragment_owner: Vec<(ToolId, String)>,
    publishers: FastMap<String, ToolId>,
    packages: FastMap<String, ToolId>,
    /// Most spaces in any package name: longer prefixes cannot match.
    package_spaces: usize,
    bundle_ids: FastMap<String, ToolId>,
    extensions: FastMap<String, ToolId>,
    ports: FastMap<u16, ToolId>,
}

impl MatchIndex {
    pub fn build(tools: &[RmmTool]) -> MatchIndex {
        let mut index = MatchIndex::default();
        let mut fragment_ids: HashSet<String> = HashSet::new();
        for (id, tool) in tools.iter().enumerate() {
            for exe in &tool.executables {
                let mut buf = String::new();
                lower_into(&mut buf, file_name(exe.trim()));
                claim(&mut index.executables, buf, id);
            }
            for fragment in &tool.path_fragments {
                let mut buf = String::new();
                normalize_path_into(&mut buf, fragment.trim());
                let windows = buf.replace('/', "\\");
                for pattern in [buf, windows] {
                    if fragment_ids.insert(pattern.clone()) {
                        index.fragment_owner.push((id, pattern));
                    }
                }
            }
            for publisher in &tool.publishers {
                let mut buf = String::new();
                normalize_publisher_into(&mut buf, publisher);
                claim(&mut index.publishers, buf, id);
            }
            for package in &tool.packages {
                let key = package.trim().to_lowercase();
                index.package_spaces = index.package_spaces.max(key.matches(' ').count());
                claim(&mut index.packages, key, id);
            }
            for bundle in &tool.bundle_ids {
                claim(&mut index.bundle_ids, bundle.trim().to_lowercase(), id);
            }
            for ext in &tool.chrome_extensions {
                claim(&mut index.extensions, ext.trim().to_lowercase(), id);
            }
            for port in &tool.ports {
                index.ports.entry(*port).or_insert(id);
            }
        }
        let patterns: Vec<&str> = index
            .fragment_owner
            .iter()
            .map(|(_, p)| p.as_str())
            .collect();
        // A DFA because nearly every fragment starts with `/`, so prefilters
        // cannot skip ahead and the automaton runs over every path byte. If a
        // huge feed makes the DFA too large, the automatic choice (an NFA)
        // takes over; plain literals cannot fail that build.
        let build = |kind| {
            AhoCorasick::builder()
                .kind(kind)
                .ascii_case_insensitive(true)
                .build(&patterns)
                .ok()
        };
        if !patterns.is_empty() {
            index.fragments = build(Some(AhoCorasickKind::DFA)).or_else(|| build(None));
        }
        index
    }

    /// The listening port's tool, if the port is in the catalog.
    pub fn port_owner(&self, port: i64) -> Option<ToolId> {
        let port = u16::try_from(port).ok()?;
        self.ports.get(&port).copied()
    }

    pub fn has_ports(&self) -> bool {
        !self.ports.is_empty()
    }

    /// Matches a `processes` row by name, executable path and install path;
    /// the command line is read only when osquery could not see the path,
    /// since arguments routinely mention files that are not running.
    pub fn match_process(
        &self,
        name: Option<&str>,
        path: Option<&str>,
        cmdline: Option<&str>,
        bufs: &mut Buffers,
    ) -> Option<Hit<'_>> {
        let mut hit = None;
        if let Some(name) = name {
            lower_into(&mut bufs.a, name.trim());
            hit = better(hit, self.executable(&bufs.a, Indicator::ProcessName));
        }
        if let Some(path) = path {
            let file = file_name(path.trim());
            if !file.eq_ignore_ascii_case(name.unwrap_or_default().trim()) {
                lower_into(&mut bufs.b, file);
                hit = better(hit, self.executable(&bufs.b, Indicator::ExecutablePath));
            }
            hit = better(hit, self.fragment(path, Indicator::InstallPath));
        } else if let Some(cmdline) = cmdline {
            lower_into(&mut bufs.b, file_name(first_token(cmdline.trim())));
            hit = better(hit, self.executable(&bufs.b, Indicator::CommandLine));
            hit = better(hit, self.fragment(cmdline, Indicator::CommandLine));
        }
        hit
    }

    /// Matches installed software by display name (exact, or the catalog
    /// name followed by a space, as in `TeamViewer 15`), publisher and
    /// install location.
    pub fn match_installed(
        &self,
        name: Option<&str>,
        publisher: Option<&str>,
        location: Option<&str>,
        bufs: &mut Buffers,
    ) -> Option<Hit<'_>> {
        let mut hit = None;
        if let Some(name) = name {
            lower_into(&mut bufs.a, name.trim());
            let display = bufs.a.strip_suffix(".app").unwrap_or(&bufs.a);
            hit = better(hit, self.program_name(display));
        }
        if let Some(publisher) = publisher {
            normalize_publisher_into(&mut bufs.a, publisher);
            hit = better(
                hit,
                self.lookup(&self.publishers, &bufs.a, Indicator::Publisher),
            );
        }
        if let Some(location) = location {
            // Install locations name a directory, often without the final
            // separator that directory fragments end with.
            bufs.b.clear();
            bufs.b.push_str(location.trim());
            if !bufs.b.ends_with(['/', '\\']) {
                bufs.b.push('/');
            }
            hit = better(hit, self.fragment(&bufs.b, Indicator::InstallPath));
        }
        hit
    }

    pub fn match_bundle_id(&self, id: &str, bufs: &mut Buffers) -> Option<Hit<'_>> {
        lower_into(&mut bufs.a, id.trim());
        self.lookup(&self.bundle_ids, &bufs.a, Indicator::BundleId)
    }

    /// deb / rpm names are exact: distribution package names are precise.
    pub fn match_package(&self, name: &str, bufs: &mut Buffers) -> Option<Hit<'_>> {
        lower_into(&mut bufs.a, name.trim());
        self.lookup(&self.packages, &bufs.a, Indicator::PackageName)
    }

    pub fn match_extension(
        &self,
        id: Option<&str>,
        name: Option<&str>,
        bufs: &mut Buffers,
    ) -> Option<Hit<'_>> {
        let mut hit = None;
        if let Some(id) = id {
            lower_into(&mut bufs.a, id.trim());
            hit = self.lookup(&self.extensions, &bufs.a, Indicator::ChromeExtension);
        }
        if let Some(name) = name {
            lower_into(&mut bufs.a, name.trim());
            hit = better(
                hit,
                self.lookup(&self.packages, &bufs.a, Indicator::ProgramName),
            );
        }
        hit
    }

    pub fn match_driver(
        &self,
        image: Option<&str>,
        providers: [Option<&str>; 2],
        bufs: &mut Buffers,
    ) -> Option<Hit<'_>> {
        let mut hit = None;
        if let Some(image) = image {
            lower_into(&mut bufs.b, file_name(image.trim()));
            hit = better(hit, self.executable(&bufs.b, Indicator::DriverImage));
            hit = better(hit, self.fragment(image, Indicator::DriverImage));
        }
        for provider in providers.into_iter().flatten() {
            normalize_publisher_into(&mut bufs.a, provider);
            hit = better(
                hit,
                self.lookup(&self.publishers, &bufs.a, Indicator::DriverProvider),
            );
        }
        hit
    }

    fn executable(&self, name: &str, indicator: Indicator) -> Option<Hit<'_>> {
        self.lookup(&self.executables, name, indicator)
    }

    fn program_name(&self, display: &str) -> Option<Hit<'_>> {
        let exact = self.lookup(&self.packages, display, Indicator::ProgramName);
        let prefixes = display
            .match_indices(' ')
            .take(self.package_spaces)
            .map(|(i, _)| &display[..i])
            .filter_map(|prefix| self.lookup(&self.packages, prefix, Indicator::ProgramName));
        prefixes.fold(exact, |acc, h| better(acc, Some(h)))
    }

    fn fragment(&self, haystack: &str, indicator: Indicator) -> Option<Hit<'_>> {
        let ac = self.fragments.as_ref()?;
        ac.find_overlapping_iter(haystack)
            .filter_map(|m| self.fragment_owner.get(m.pattern().as_usize()))
            .min_by_key(|(tool, _)| *tool)
            .map(|(tool, value)| Hit {
                tool: *tool,
                indicator,
                value,
            })
    }

    fn lookup<'a>(
        &'a self,
        map: &'a FastMap<String, ToolId>,
        key: &str,
        indicator: Indicator,
    ) -> Option<Hit<'a>> {
        if key.is_empty() {
            return None;
        }
        map.get_key_value(key).map(|(value, tool)| Hit {
            tool: *tool,
            indicator,
            value,
        })
    }
}

fn claim(map: &mut FastMap<String, ToolId>, key: String, id: ToolId) {
    if !key.is_empty() {
        map.entry(key).or_insert(id);
    }
}

/// A multiply-rotate hasher (FxHash style) for the lookup tables. SipHash's
/// flooding protection buys nothing here: the tables hold catalog values
/// only, so payload strings can look keys up but never add colliding ones,
/// and hashing is most of the per-row cost.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_i64(&mut self, n: i64) {
        self.add(n as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Lowercases into `buf`, reusing its allocation.
pub fn lower_into(buf: &mut String, s: &str) {
    buf.clear();
    if s.is_ascii() {
        buf.push_str(s);
        buf.make_ascii_lowercase();
    } else {
        buf.extend(s.chars().flat_map(char::to_lowercase));
    }
}

/// Lowercases and turns `\` into `/`, so one fragment serves every OS.
pub fn normalize_path_into(buf: &mut String, s: &str) {
    buf.clear();
    if s.is_ascii() {
        let ascii = s.bytes().map(|b| match b {
            b'\\' => '/',
            b => char::from(b.to_ascii_lowercase()),
        });
        buf.extend(ascii);
        return;
    }
    for c in s.chars() {
        match c {
            '\\' => buf.push('/'),
            c if c.is_ascii() => buf.push(c.to_ascii_lowercase()),
            c => buf.extend(c.to_lowercase()),
        }
    }
}

/// Publisher names differ in case and punctuation between installers
/// (`Splashtop Inc.` / `Splashtop, Inc`), so only letters, digits and single
/// spaces are compared.
pub fn normalize_publisher_into(buf: &mut String, s: &str) {
    buf.clear();
    if s.is_ascii() {
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() {
                buf.push(char::from(b.to_ascii_lowercase()));
            } else if b.is_ascii_whitespace() && !buf.is_empty() && !buf.ends_with(' ') {
                buf.push(' ');
            }
        }
        while buf.ends_with(' ') {
            buf.pop();
        }
        return;
    }
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            buf.push(c);
        } else if c.is_whitespace() && !buf.is_empty() && !buf.ends_with(' ') {
            buf.push(' ');
        }
    }
    while buf.ends_with(' ') {
        buf.pop();
    }
}

/// The last component of a Windows or Unix path.
pub fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The program part of a command line, quoted or not.
fn first_token(cmdline: &str) -> &str {
    if let Some(rest) = cmdline.strip_prefix('"') {
        return rest.split('"').next().unwrap_or(rest);
    }
    cmdline.split(' ').next().unwrap_or(cmdline)
}
