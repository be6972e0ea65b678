//! Synthetic bundle versions for the soak: a Kubernetes-style symlink farm (`manifest.toml` →
//! `..data/manifest.toml`, `..data` → `..soak-NNNN`) whose `..data` link is replaced by rename.
//! Every entry is generated pronounceable nonsense; no real term appears anywhere.

use std::io;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Marker term in even versions (action `signpost`).
pub const EVEN_TERM: &str = "alphaquorn";
/// Marker term in odd versions.
pub const ODD_TERM: &str = "betaquorn";
/// URL delisted by even versions.
pub const EVEN_URL: &str = "https://soak.example/even";
/// URL delisted by odd versions.
pub const ODD_URL: &str = "https://soak.example/odd";

/// Thirty-two nonsense syllables: four of them index 2^20 distinct terms.
const SYLLABLES: [&str; 32] = [
    "zor", "vex", "quan", "drith", "vel", "mor", "tosk", "brin", "snor", "vant", "plim", "gub",
    "yorn", "fesk", "wib", "drul", "klo", "mip", "zant", "quel", "rix", "obb", "nurf", "skel",
    "tav", "lurm", "pex", "glim", "frob", "yask", "thun", "wox",
];

/// What a published version is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Marker `alphaquorn`, delists the even URL.
    Even,
    /// Marker `betaquorn`, delists the odd URL.
    Odd,
    /// The manifest's checksum for the terms list is wrong.
    BadChecksum,
    /// The terms list holds a line that is not UTF-8; its checksum is right.
    BadUtf8,
}

impl Kind {
    /// Every fourth version is broken, alternating the two ways of breaking it.
    pub fn of(version: u64) -> Kind {
        match (version % 4, (version / 4) % 2) {
            (3, 0) => Kind::BadChecksum,
            (3, _) => Kind::BadUtf8,
            (v, _) if v % 2 == 0 => Kind::Even,
            _ => Kind::Odd,
        }
    }

    /// True for the versions that must never be applied.
    pub fn invalid(self) -> bool {
        matches!(self, Kind::BadChecksum | Kind::BadUtf8)
    }
}

/// The version string written into the manifest (and shown by the entries gauge).
pub fn version_name(version: u64) -> String {
    let tag = if Kind::of(version).invalid() {
        "-invalid"
    } else {
        ""
    };
    format!("soak-{version:04}{tag}")
}

/// Writes versions into `root`.
pub struct Generator {
    root: PathBuf,
    terms: Vec<u8>,
    term_entries: u64,
    urls: Vec<u8>,
    url_entries: u64,
    published: Vec<PathBuf>,
    /// Per valid kind (even, odd): the precompiled index (`searchward lists compile`) and its
    /// SHA-256, linked into every version of that kind. `None`: versions ship lists only.
    compiled: Option<[(PathBuf, String); 2]>,
}

impl Generator {
    /// Generates the shared bulk of the lists (`terms - 1` nonsense terms, `urls - 1` URLs) and
    /// lays out the symlink farm in `root`.
    pub fn new(root: &Path, terms: u64, urls: u64) -> io::Result<Generator> {
        std::fs::create_dir_all(root)?;
        for name in ["manifest.toml", "terms.txt", "urls.txt", "compiled.idx"] {
            symlink(format!("..data/{name}"), root.join(name))?;
        }
        Ok(Generator {
            root: root.to_path_buf(),
            terms: nonsense_terms(terms.saturating_sub(1)),
            term_entries: terms,
            urls: nonsense_urls(urls.saturating_sub(1)),
            url_entries: urls,
            published: Vec::new(),
            compiled: None,
        })
    }

    /// Precompiles the even and odd content once with `searchward lists compile` (as a list
    /// maintainer would before pushing), so every later version ships its index.
    pub fn precompile(&mut self, searchward: &Path) -> io::Result<()> {
        let mut out = Vec::new();
        for (i, kind) in [Kind::Even, Kind::Odd].into_iter().enumerate() {
            let stage = self.root.join(format!("..stage-{i}"));
            std::fs::create_dir_all(&stage)?;
            let (terms, urls, manifest) = self.content(kind, "stage", 0);
            std::fs::write(stage.join("terms.txt"), terms)?;
            std::fs::write(stage.join("urls.txt"), urls)?;
            std::fs::write(stage.join("manifest.toml"), manifest)?;
            let status = std::process::Command::new(searchward)
                .args(["lists", "compile"])
                .arg(&stage)
                .stdout(std::process::Stdio::null())
                .status()?;
            if !status.success() {
                return Err(io::Error::other("lists compile failed"));
            }
            let index = stage.join("compiled.idx");
            let sum = sha(&std::fs::read(&index)?);
            out.push((index, sum));
        }
        let odd = out.pop().ok_or_else(|| io::Error::other("no odd index"))?;
        let even = out.pop().ok_or_else(|| io::Error::other("no even index"))?;
        self.compiled = Some([even, odd]);
        Ok(())
    }

    /// Writes version `v` into a fresh directory and points `..data` at it by rename; keeps the
    /// three newest directories (a reload may still be reading the previous one).
    pub fn publish(&mut self, v: u64) -> io::Result<Kind> {
        let kind = Kind::of(v);
        let name = version_name(v);
        let dir_name = format!("..{name}");
        let dir = self.root.join(&dir_name);
        std::fs::create_dir(&dir)?;

        let (terms, urls, mut manifest) = self.content(kind, &name, v);
        if let Some(compiled) = &self.compiled {
            // Broken versions carry the even index: they must be refused before it matters.
            let (index, sum) = &compiled[usize::from(kind == Kind::Odd)];
            std::fs::hard_link(index, dir.join("compiled.idx"))?;
            manifest.push_str(&format!(
                "\n[compiled]\nfile = \"compiled.idx\"\nsha256 = \"{sum}\"\n"
            ));
        }
        std::fs::write(dir.join("terms.txt"), &terms)?;
        std::fs::write(dir.join("urls.txt"), &urls)?;
        std::fs::write(dir.join("manifest.toml"), manifest)?;

        let tmp = self.root.join("..data_tmp");
        let _ = std::fs::remove_file(&tmp);
        symlink(&dir_name, &tmp)?;
        std::fs::rename(&tmp, self.root.join("..data"))?;

        self.published.push(dir);
        while self.published.len() > 3 {
            let old = self.published.remove(0);
            std::fs::remove_dir_all(old)?;
        }
        Ok(kind)
    }

    /// The terms list, URL list and manifest of version `v` of `kind`, named `name`.
    fn content(&self, kind: Kind, name: &str, v: u64) -> (Vec<u8>, Vec<u8>, String) {
        // The same content for every version of a kind, so its precompiled index fits them all.
        let mut terms = b"# synthetic soak list: nonsense placeholders\n".to_vec();
        let mut urls = terms.clone();
        let (action, marker, listed): (&str, &str, &[&str]) = match kind {
            Kind::Even => ("signpost", EVEN_TERM, &[EVEN_URL]),
            Kind::Odd => ("signpost", ODD_TERM, &[ODD_URL]),
            // Were a broken version ever applied, its responses would be blocked outright.
            Kind::BadChecksum | Kind::BadUtf8 => ("block", EVEN_TERM, &[EVEN_URL, ODD_URL]),
        };
        terms.extend_from_slice(format!("{marker}\n").as_bytes());
        terms.extend_from_slice(&self.terms);
        for u in listed {
            urls.extend_from_slice(format!("{u}\n").as_bytes());
        }
        urls.extend_from_slice(&self.urls);
        if kind == Kind::BadUtf8 {
            terms.extend_from_slice(b"quelmip\xff\xfewox\n");
        }
        let terms_sha = if kind == Kind::BadChecksum {
            sha(b"not the terms list")
        } else {
            sha(&terms)
        };
        let url_entries = self.url_entries + listed.len() as u64 - 1;
        let manifest = format!(
            "version = \"{name}\"\nserial = {serial}\ncreated = \"2026-11-28T23:00:00Z\"\n\
             expires = \"2036-01-01T00:00:00Z\"\n\n\
             [[lists]]\nname = \"terms\"\nfile = \"terms.txt\"\nkind = \"terms\"\n\
             action = \"{action}\"\nentries = {te}\nsha256 = \"{terms_sha}\"\n\n\
             [[lists]]\nname = \"urls\"\nfile = \"urls.txt\"\nkind = \"urls\"\n\
             effect = \"delist\"\nentries = {url_entries}\nsha256 = \"{us}\"\n",
            serial = v + 1,
            te = self.term_entries,
            us = sha(&urls),
        );
        (terms, urls, manifest)
    }
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `n` distinct nonsense terms: index → an odd-multiplier permutation of the syllable space →
/// base-32 digits, one syllable each.
fn nonsense_terms(n: u64) -> Vec<u8> {
    let mut digits = 4;
    while 32u64.pow(digits) < n {
        digits += 1;
    }
    let space = 32u64.pow(digits);
    let mut out = Vec::with_capacity(n as usize * 16);
    for i in 0..n {
        let mut x = i.wrapping_mul(0x9E37_79B1).wrapping_add(12_345) % space;
        for _ in 0..digits {
            out.extend_from_slice(SYLLABLES[(x % 32) as usize].as_bytes());
            x /= 32;
        }
        out.push(b'\n');
    }
    out
}

/// `n` distinct URLs under `.example`.
fn nonsense_urls(n: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(n as usize * 40);
    for i in 0..n {
        let a = SYLLABLES[(i % 32) as usize];
        let b = SYLLABLES[((i / 32) % 32) as usize];
        let c = SYLLABLES[((i / 1024) % 32) as usize];
        out.extend_from_slice(format!("https://{a}{b}.example/{c}/{i}\n").as_bytes());
    }
    out
}
