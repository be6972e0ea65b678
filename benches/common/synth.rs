//! Synthetic list material shared by the detection benchmarks: a seeded generator of
//! pronounceable nonsense words (never real terms), and the `--test` scale switch.

/// `cargo bench -- --test` (as CI runs it) checks the answers on lists a hundred times smaller.
pub fn scale() -> usize {
    if std::env::args().any(|a| a == "--test") {
        100
    } else {
        // `SYNTH_SCALE=100` divides the list sizes (for profiling the in-cache cost).
        std::env::var("SYNTH_SCALE")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or(1)
    }
}

/// xorshift64*: small, deterministic, good enough to spread synthetic words.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ONSETS: [&str; 24] = [
    "b", "br", "d", "dr", "f", "g", "gl", "k", "kl", "l", "m", "n", "p", "pl", "qu", "r", "s",
    "sn", "t", "tr", "v", "w", "y", "z",
];
const NUCLEI: [&str; 8] = ["a", "e", "i", "o", "u", "ai", "ou", "y"];
const CODAS: [&str; 12] = ["", "", "", "n", "r", "x", "k", "l", "th", "sk", "m", "v"];

/// A nonsense word of `syllables` onset-nucleus-coda syllables.
pub fn word(rng: &mut Rng, syllables: usize) -> String {
    let mut w = String::new();
    for _ in 0..syllables {
        w.push_str(ONSETS[rng.below(ONSETS.len())]);
        w.push_str(NUCLEI[rng.below(NUCLEI.len())]);
        w.push_str(CODAS[rng.below(CODAS.len())]);
    }
    w
}
