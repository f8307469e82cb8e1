//! Korean personal names: Hangul romanization, romanization-independent
//! syllable keys, splitting of joined given names ("Jongun") and surname
//! spelling groups (Lee/Yi/Ri/Rhee, Park/Pak/Bak, ...).
//!
//! DPRK names reach the sanctions lists in McCune-Reischauer (MR) or North
//! Korean spelling ("JONG, Song Hwa", "CH'OE Ch'un-po'm"), while a résumé
//! carries the South Korean Revised Romanization (RR, "Jeong Seong-hwa") or
//! a personal spelling ("Choi", "Young-Chul"). Nothing here copies the
//! 11,172-syllable reference table: syllables are decomposed into jamo
//! (`0xAC00 + (initial * 21 + medial) * 28 + final`) and spelled from small
//! per-jamo tables, and keys come from folding the consonant and vowel classes
//! on which the systems disagree. Pure std, no allocation-heavy state beyond
//! two lazily built lookup tables.

use std::collections::HashMap;
use std::sync::OnceLock;

const HANGUL_BASE: u32 = 0xAC00;
const HANGUL_LAST: u32 = 0xD7A3;
const MEDIAL_COUNT: u32 = 21;
const FINAL_COUNT: u32 = 28;

/// Romanization systems this module can spell a syllable in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    /// South Korean Revised Romanization (2000), syllable by syllable.
    Revised,
    /// McCune-Reischauer with breves and apostrophes dropped (OFAC's usual
    /// spelling once the marks are gone: "Chong", "Choe", "Pyong").
    McCuneReischauerAscii,
    /// North Korean official romanization without breves ("Jong", "Un",
    /// "Phyong"); the canonical spelling of this module.
    Dprk,
}

// Per-jamo values, in Unicode jamo order. Sound changes across syllable
// boundaries are deliberately not applied: names on the lists and in
// passports are spelled syllable by syllable ("Kim Jong Il", not "Kim Jongil").
const INITIAL_RR: [&str; 19] = [
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
];
const INITIAL_MR: [&str; 19] = [
    "k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "ch", "tch", "ch", "k", "t",
    "p", "h",
];
const INITIAL_DPRK: [&str; 19] = [
    "k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "j", "jj", "ch", "kh", "th",
    "ph", "h",
];
const MEDIAL_RR: [&str; 21] = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "eu", "ui", "i",
];
// MR and DPRK agree on vowels once the breves (ŏ, ŭ) are dropped.
const MEDIAL_ASCII: [&str; 21] = [
    "a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "u", "ui", "i",
];
// Finals are neutralised to seven sounds in all three systems.
const FINAL: [&str; 28] = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p",
    "t", "t", "ng", "t", "t", "k", "t", "p", "t",
];

/// True for a precomposed Hangul syllable (U+AC00..=U+D7A3).
pub fn is_hangul_syllable(c: char) -> bool {
    (HANGUL_BASE..=HANGUL_LAST).contains(&(c as u32))
}

/// Jamo indices (initial, medial, final) of a precomposed syllable.
fn decompose(c: char) -> Option<(usize, usize, usize)> {
    if !is_hangul_syllable(c) {
        return None;
    }
    let index = c as u32 - HANGUL_BASE;
    let initial = index / (MEDIAL_COUNT * FINAL_COUNT);
    let medial = (index % (MEDIAL_COUNT * FINAL_COUNT)) / FINAL_COUNT;
    let fin = index % FINAL_COUNT;
    Some((initial as usize, medial as usize, fin as usize))
}

/// A name written wholly in Hangul syllables (spaces and punctuation
/// aside), with the initial-sound law folded away so that North and South
/// writings of one name agree (리/이, 류/유, 로/노, 녀/여): two such
/// writings that still differ are different names, however alike their
/// romanizations (김종은 and 김정은 both romanize close to Kim Jong Un).
/// None for a name with any other letter, or of one syllable.
pub fn hangul_folded(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_whitespace() || (!c.is_alphanumeric() && !is_hangul_syllable(c)) {
            continue;
        }
        let (initial, medial, fin) = decompose(c)?;
        // ㅣ ㅑ ㅕ ㅖ ㅛ ㅠ: the vowels before which ㄹ and ㄴ fall silent.
        let i_or_y = matches!(medial, 2 | 6 | 7 | 12 | 17 | 20);
        let initial = match (initial, i_or_y) {
            (5, true) | (2, true) => 11,
            (5, false) => 2,
            _ => initial,
        };
        out.push(compose(initial, medial, fin)?);
    }
    (out.chars().count() >= 2).then_some(out)
}

fn compose(initial: usize, medial: usize, fin: usize) -> Option<char> {
    if initial >= 19 || medial >= 21 || fin >= 28 {
        return None;
    }
    let code = HANGUL_BASE + ((initial as u32 * MEDIAL_COUNT) + medial as u32) * FINAL_COUNT;
    char::from_u32(code + fin as u32)
}

/// Spells one Hangul syllable in `system`; None for any other character.
pub fn romanize_syllable(c: char, system: System) -> Option<String> {
    let (i, m, f) = decompose(c)?;
    let (initial, medial) = match system {
        System::Revised => (INITIAL_RR[i], MEDIAL_RR[m]),
        System::McCuneReischauerAscii => {
            // MR writes ㅅ before ㅟ as "sh" (shwi); it is the only
            // palatalised spelling the ascii form keeps.
            let initial = if i == 9 && m == 16 {
                "sh"
            } else {
                INITIAL_MR[i]
            };
            (initial, MEDIAL_ASCII[m])
        }
        System::Dprk => (INITIAL_DPRK[i], MEDIAL_ASCII[m]),
    };
    Some(format!("{initial}{medial}{}", FINAL[f]))
}

// ---------------------------------------------------------------------------
// Surnames
// ---------------------------------------------------------------------------

/// A surname group: one id, the Hangul forms (South and North, where the
/// initial-sound law makes them differ: 이/리, 임/림, 유/류, 양/량, 노/로,
/// 나/라) and the observed Latin spellings (lower case, marks stripped).
///
/// Groups whose spellings collide once apostrophes and breves are gone are
/// merged on purpose: MR "Chon" is 전 (Chŏn) or 천 (Ch'ŏn), "Song" is 송 or
/// 성 (Sŏng), "Chu" is 주 or 추. A list entry spelled that way could be
/// either, so for screening they have to meet.
struct SurnameGroup {
    id: &'static str,
    hangul: Vec<&'static str>,
    spellings: Vec<&'static str>,
}

// id | Hangul forms | observed spellings. Kept as text so that a reviewer
// can read and extend it without touching code. The last block holds the
// two-syllable surnames.
const SURNAME_TABLE: &str = "\
kim      | 김     | kim gim kym ghim khim gym geem
ri       | 이 리   | lee yi i rhee ree rey rhie ri li yee rie rhi lie
pak      | 박     | park pak bak bark pack bac pahk parc
jong     | 정     | jeong chung jung joung chong cheong choung jong jeung chyung
choe     | 최     | choi choe che choy chey chwe chue tsoi choei choie
jo       | 조     | cho jo joe joh choh
kang     | 강     | kang gang kahng kwang khang kaang
ryu      | 유 류   | yu yoo you ryu ryoo lyu lyoo rew yue
yun      | 윤     | yun yoon youn yune yeun yuhn
jang     | 장     | jang chang jahng jhang zang chahng
sin      | 신     | shin sin shinn sheen seen syn
rim      | 임 림   | lim im yim rim leem rhim reem rym lym ihm
han      | 한     | han hahn hann
o        | 오     | o oh au ou
so       | 서 소   | seo suh su sur so seu soh
jon      | 전 천   | jeon jun chun chon jeun cheon chen jon choun jhun
kwon     | 권     | kwon gwon kweon kwun kwan kwone
hwang    | 황     | hwang whang hoang whoang whoan hwhang
song     | 송 성   | song soung sung seong seung soong
an       | 안     | an ahn ann aan
hong     | 홍     | hong houng hyong hoong
ryang    | 양 량   | yang ryang yaung lyang riang
son      | 손     | son sohn shon soun sonn
pae      | 배     | bae pae bai pai bay
paek     | 백     | baek paek baik back paik baeg pek
ro       | 노 로   | no noh roh ro rho nho
nam      | 남     | nam nahm nham narm
ko       | 고     | ko go koh goh kho gho kor
mun      | 문     | mun moon mon moun muhn
ju       | 주 추   | ju joo jou zoo chu choo jew chou
ku       | 구     | gu koo ku goo kou kuh
jin      | 진     | jin chin jean gin zhin jhin
won      | 원     | won weon wone wun woon wen
pang     | 방     | bang pang bhang bahng pahng
kong     | 공     | gong kong kohng goung khong
kil      | 길     | gil kil gill kill khil keel
phyo     | 표     | pyo phyo pio puo pyoh
wang     | 왕     | wang wong
kwak     | 곽     | gwak kwak kwag kwack
sol      | 설     | seol sol sul seul sull sole
cha      | 차     | cha char chah tcha
hyon     | 현     | hyeon hyun hyon hyoun
pyon     | 변     | byeon pyon byun byon pyun
ryon     | 연 련   | yeon yon ryon
ra       | 나 라   | na ra la nah rah
min      | 민     | min minn
pan      | 반     | ban pan bahn bann banh
ho       | 허     | heo ho hur huh hu
ha       | 하     | ha hah
sim      | 심     | shim sim seem sym
chae     | 채     | chae chai chay tchae
tak      | 탁     | tak thak tahk tack
u        | 우     | u woo wu oo
ma       | 마     | ma mah
sok      | 석     | seok sok suk seuk
myong    | 명     | myeong myong myung myoung
ki       | 기     | ki gi kee key
ham      | 함     | ham hahm
ji       | 지     | ji chi jee jhi
om       | 엄     | eom om um uhm eum
ryom     | 염 렴   | yeom yom ryom yum youm
ryo      | 여 려   | yeo yo ryo yuh yeoh
to       | 도     | do to doh toh
wi       | 위     | wi wee we whi
ryong    | 용 룡   | yong ryong yoong
je       | 제     | je jeh
mo       | 모     | mo moh
thae     | 태     | tae thae tai
kyong    | 경     | kyeong kyong kyung gyeong kyoung
pong     | 봉     | bong pong boung
ok       | 옥     | ok ock ohk
kum      | 금     | geum kum keum kuem
kuk      | 국     | guk kuk kook gook
maeng    | 맹     | maeng maing meng
in       | 인     | in inn
ryuk     | 육 륙   | yuk ryuk yook yug
namgung  | 남궁    | namgung namkung namkoong namgoong namkoung namgoog
hwangbo  | 황보    | hwangbo whangbo hwangpo
jegal    | 제갈    | jegal chegal jekal jaegal
sagong   | 사공    | sagong sakong
sonu     | 선우    | seonu sonu sunwoo seonwoo sunu
tokko    | 독고    | dokgo tokko dokko tokgo
somun    | 서문    | seomun somun suhmoon
tongbang | 동방    | dongbang tongbang
kangjon  | 강전    | gangjeon kangjon
tungjong | 등정    | deungjeong tungjong
mangjol  | 망절    | mangjeol mangjol
mubon    | 무본    | mubon
sobong   | 소봉    | sobong
ogum     | 어금    | eogeum ogum
janggok  | 장곡    | janggok changgok
hwangmok | 황목    | hwangmok
";

struct SurnameIndex {
    groups: Vec<SurnameGroup>,
    by_spelling: HashMap<&'static str, &'static str>,
    /// Syllable keys of each single-syllable group's RR/MR/DPRK and observed
    /// spellings, for spellings the table does not name ("Gwang", "Kyŏng");
    /// a key two groups share is dropped rather than guessed.
    by_key: HashMap<String, &'static str>,
    by_hangul: HashMap<&'static str, &'static str>,
}

fn surname_index() -> &'static SurnameIndex {
    static INDEX: OnceLock<SurnameIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let groups: Vec<SurnameGroup> = SURNAME_TABLE
            .lines()
            .filter_map(|line| {
                let mut fields = line.split('|').map(str::trim);
                let id = fields.next().filter(|id| !id.is_empty())?;
                let hangul = fields.next()?.split_whitespace().collect();
                let spellings = fields.next()?.split_whitespace().collect();
                Some(SurnameGroup {
                    id,
                    hangul,
                    spellings,
                })
            })
            .collect();
        let mut by_spelling = HashMap::new();
        let mut by_key: HashMap<String, &'static str> = HashMap::new();
        let mut ambiguous_keys = Vec::new();
        let mut by_hangul = HashMap::new();
        for group in &groups {
            by_spelling.entry(group.id).or_insert(group.id);
            for spelling in &group.spellings {
                by_spelling.entry(*spelling).or_insert(group.id);
            }
            for hangul in &group.hangul {
                by_hangul.insert(*hangul, group.id);
                let mut chars = hangul.chars();
                let (Some(c), None) = (chars.next(), chars.next()) else {
                    continue;
                };
                let standard = [System::Revised, System::McCuneReischauerAscii, System::Dprk]
                    .into_iter()
                    .filter_map(|system| romanize_syllable(c, system));
                let observed = group.spellings.iter().map(|s| s.to_string());
                for spelling in standard.chain(observed) {
                    if parse_syllable(&spelling).is_none() {
                        continue;
                    }
                    let key = syllable_key(&spelling);
                    match by_key.get(&key) {
                        Some(id) if *id != group.id => ambiguous_keys.push(key),
                        _ => {
                            by_key.insert(key, group.id);
                        }
                    }
                }
            }
        }
        for key in ambiguous_keys {
            by_key.remove(&key);
        }
        SurnameIndex {
            groups,
            by_spelling,
            by_key,
            by_hangul,
        }
    })
}

/// Canonical id of a Korean surname spelling ("lee" → "ri", "park" → "pak",
/// "ch'oe" → "choe", "jeong" → "jong"), or None when the token is not a known
/// Korean surname. Accepts marks and apostrophes ("Ch'oe", "Chŏng").
///
/// Kim alone is about a fifth of all Korean surnames: a group match is weak
/// evidence, and callers should weigh it accordingly.
pub fn surname_group(token: &str) -> Option<&'static str> {
    if token.chars().any(is_hangul_syllable) {
        return surname_index().by_hangul.get(token.trim()).copied();
    }
    let folded = fold_latin(token);
    if folded.is_empty() {
        return None;
    }
    let index = surname_index();
    if let Some(id) = index.by_spelling.get(folded.as_str()) {
        return Some(id);
    }
    parse_syllable(&folded)?;
    index.by_key.get(&syllable_key(&folded)).copied()
}

/// Like [`surname_group`] but only for spellings the surname table lists,
/// without the fallback through syllable keys ("kwang" is not Kang here).
pub fn surname_group_exact(token: &str) -> Option<&'static str> {
    if token.chars().any(is_hangul_syllable) {
        return surname_index().by_hangul.get(token.trim()).copied();
    }
    surname_index()
        .by_spelling
        .get(fold_latin(token).as_str())
        .copied()
}

/// The observed spellings of a surname group ("pak" → park, pak, bak, ...),
/// for generating query variants and explaining a match.
pub fn surname_spellings(id: &str) -> Option<&'static [&'static str]> {
    surname_index()
        .groups
        .iter()
        .find(|g| g.id == id)
        .map(|g| g.spellings.as_slice())
}

// ---------------------------------------------------------------------------
// Hangul names
// ---------------------------------------------------------------------------

/// Romanizes a Hangul personal name into lower-case ASCII tokens
/// `[surname, given syllables...]` in the DPRK/MR-ascii spelling used by the
/// lists: "김정은" → `["kim", "jong", "un"]`, "남궁민수" →
/// `["namgung", "min", "su"]`, "이영호" and "리영호" → `["ri", "yong", "ho"]`.
///
/// The surname is the first syllable, or the first two when they form a
/// known double surname; it is replaced by its group id so that the South
/// (이, 임, 유) and North (리, 림, 류) forms meet. Each further word is
/// romanized syllable by syllable; Latin words pass through folded. None when
/// the input holds no Hangul syllable.
pub fn romanize_hangul_name(s: &str) -> Option<Vec<String>> {
    if !s.chars().any(is_hangul_syllable) {
        return None;
    }
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '·' | '・' | '-'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut tokens = Vec::new();
    let mut surname_done = false;
    for (position, word) in words.iter().enumerate() {
        let syllables: Vec<char> = word.chars().filter(|c| is_hangul_syllable(*c)).collect();
        if syllables.is_empty() {
            let folded = fold_latin(word);
            if !folded.is_empty() {
                tokens.push(folded);
            }
            continue;
        }
        let mut rest: &[char] = &syllables;
        if !surname_done {
            surname_done = true;
            let more_words = position + 1 < words.len();
            let (surname, given) = split_hangul_surname(&syllables, more_words);
            let surname_text: String = surname.iter().collect();
            let token = match surname_index().by_hangul.get(surname_text.as_str()) {
                Some(id) => (*id).to_string(),
                None => surname
                    .iter()
                    .filter_map(|c| romanize_syllable(*c, System::Dprk))
                    .collect(),
            };
            tokens.push(token);
            rest = given;
        }
        tokens.extend(
            rest.iter()
                .filter_map(|c| romanize_syllable(*c, System::Dprk)),
        );
    }
    Some(tokens)
}

/// Splits off the surname: two syllables for a known double surname when a
/// given name remains (in this word or the next), else one.
fn split_hangul_surname(syllables: &[char], more_words: bool) -> (&[char], &[char]) {
    if syllables.len() >= 2 && (syllables.len() >= 3 || more_words) {
        let pair: String = syllables[..2].iter().collect();
        let is_double = surname_index().by_hangul.contains_key(pair.as_str());
        if is_double {
            return syllables.split_at(2);
        }
    }
    syllables.split_at(1.min(syllables.len()))
}

/// The syllable as South Korean spelling writes it at the start of a word
/// (the initial-sound law, 두음법칙): ㄹ becomes ㅇ before i and y-vowels and
/// ㄴ elsewhere, ㄴ becomes ㅇ before i and y-vowels (룡 → 용, 렬 → 열,
/// 로 → 노, 녀 → 여). None when the syllable does not change. North Korean
/// spelling keeps the ㄹ (Ri Ryong), so a name may be written either way.
pub fn initial_sound_law(c: char) -> Option<char> {
    const RIEUL: usize = 5;
    const NIEUN: usize = 2;
    const IEUNG: usize = 11;
    // ㅑ ㅒ ㅕ ㅖ ㅛ ㅠ ㅣ
    const I_OR_Y: [usize; 7] = [2, 3, 6, 7, 12, 17, 20];
    let (initial, medial, fin) = decompose(c)?;
    let before_i = I_OR_Y.contains(&medial);
    let new = match (initial, before_i) {
        (RIEUL, true) | (NIEUN, true) => IEUNG,
        (RIEUL, false) => NIEUN,
        _ => return None,
    };
    compose(new, medial, fin)
}

/// Medial indices of the vowels whose popular spelling differs from every
/// system's: ㅓ (eo/ŏ) is often written "u" (Sung for 성, Jung for 정, Chul
/// for 철) and ㅕ (yeo/yŏ) "yu" (Hyun for 현, Yun for 연, Kyung for 경).
/// Paired with the vowel whose standard spelling that is: ㅜ and ㅠ.
const POPULAR_VOWELS: [(usize, usize); 2] = [(4, 13), (6, 17)];

/// At most this many given-name syllables are respelled (2^n - 1 variants).
const MAX_RESPELLED: usize = 3;

/// A Hangul name rewritten as its popular spellings would read it: each
/// non-empty choice of given-name syllables with ㅓ or ㅕ gets ㅜ or ㅠ
/// instead ("박지성" → "박지숭", whose romanization is the "Park Ji Sung"
/// of a passport or a football shirt). The surname is left alone: surname
/// groups already hold its popular spellings. Empty when the name has no
/// such syllable. These are spellings, not names: a caller compares them
/// only with names not written in Hangul.
pub fn popular_respellings(s: &str) -> Vec<String> {
    if !s.chars().any(is_hangul_syllable) {
        return Vec::new();
    }
    // The surname is where `romanize_hangul_name` takes it: the first one
    // or two syllables of the first word holding Hangul.
    let words: Vec<Vec<char>> = s
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '·' | '・' | '-'))
        .map(|w| {
            w.chars()
                .filter(|c| is_hangul_syllable(*c))
                .collect::<Vec<char>>()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let surname_len = words.first().map_or(0, |first| {
        split_hangul_surname(first, words.len() > 1).0.len()
    });
    let chars: Vec<char> = s.chars().collect();
    let mut seen = 0;
    let mut positions = Vec::new();
    for (at, c) in chars.iter().enumerate() {
        let Some((i, m, f)) = decompose(*c) else {
            continue;
        };
        seen += 1;
        if seen <= surname_len || positions.len() == MAX_RESPELLED {
            continue;
        }
        if let Some((_, popular)) = POPULAR_VOWELS.iter().find(|(v, _)| *v == m) {
            if let Some(respelled) = compose(i, *popular, f) {
                positions.push((at, respelled));
            }
        }
    }
    (1u32..1 << positions.len())
        .map(|mask| {
            let mut out = chars.clone();
            for (bit, (at, respelled)) in positions.iter().enumerate() {
                if mask & (1 << bit) != 0 {
                    out[*at] = *respelled;
                }
            }
            out.into_iter().collect()
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Latin folding and syllable keys
// ---------------------------------------------------------------------------

/// Lower-case ASCII letters only: breves, carons and other marks on vowels go
/// (OFAC and the UN write ŏ/ŭ as o'/u' or drop them), apostrophes and hyphens
/// go (MR aspiration marks and syllable separators carry no identity once
/// every system is folded together).
pub fn fold_latin(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let base =
            match c {
                'a'..='z' => c,
                'A'..='Z' => c.to_ascii_lowercase(),
                'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ǎ' | 'À' | 'Á' | 'Â' | 'Ã'
                | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ǎ' => 'a',
                'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ'
                | 'Ě' => 'e',
                'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ĭ' | 'ǐ' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'Ĭ'
                | 'Ǐ' => 'i',
                'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' | 'ŏ' | 'ǒ' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö'
                | 'Ō' | 'Ŏ' | 'Ǒ' => 'o',
                'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ŭ' | 'ǔ' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ŭ'
                | 'Ǔ' => 'u',
                'ñ' | 'Ñ' => 'n',
                _ => continue,
            };
        out.push(base);
    }
    out
}

fn is_vowel_letter(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'w' | 'y')
}

/// Initial consonant spellings → class. The classes are the ones the systems
/// disagree on: plain/aspirated/tense stops (k/g/kh/kk), affricates
/// (ch/j/tch/jj, plus ts/z of older spellings), s/sh, r/l.
const INITIAL_CLASSES: &[(&str, &str)] = &[
    ("", ""),
    ("k", "k"),
    ("g", "k"),
    ("kh", "k"),
    ("gh", "k"),
    ("kk", "k"),
    ("gg", "k"),
    ("n", "n"),
    ("d", "t"),
    ("t", "t"),
    ("th", "t"),
    ("tt", "t"),
    ("dd", "t"),
    ("r", "r"),
    ("l", "r"),
    ("rh", "r"),
    ("lh", "r"),
    ("m", "m"),
    ("b", "p"),
    ("p", "p"),
    ("ph", "p"),
    ("bh", "p"),
    ("pp", "p"),
    ("bb", "p"),
    ("f", "p"),
    ("s", "s"),
    ("sh", "s"),
    ("ss", "s"),
    ("j", "c"),
    ("ch", "c"),
    ("c", "c"),
    ("tch", "c"),
    ("jj", "c"),
    ("z", "c"),
    ("ts", "c"),
    ("tz", "c"),
    ("chh", "c"),
    ("jh", "c"),
    ("zh", "c"),
    ("h", "h"),
];

/// Vowel spellings → class. ㅓ (eo/ŏ/o) and ㅗ (o) share a class because
/// MR-ascii and DPRK-ascii write both as "o"; ㅡ (eu/ŭ/u) and ㅜ (u) likewise.
/// ㅚ's oe/oi/we (Choe/Choi/Chwe) meet, ㅐ's ae/ai meet; ㅔ, ㅢ and ㅟ stay
/// apart because every system keeps them apart.
const VOWEL_CLASSES: &[(&str, &str)] = &[
    ("a", "a"),
    ("ae", "ae"),
    ("ai", "ae"),
    ("ay", "ae"),
    ("ya", "ya"),
    ("yae", "yae"),
    ("yai", "yae"),
    ("eo", "o"),
    ("o", "o"),
    ("e", "e"),
    ("yeo", "yo"),
    ("yo", "yo"),
    ("yeu", "yo"),
    ("ye", "ye"),
    ("wa", "wa"),
    ("oa", "wa"),
    ("wae", "wae"),
    ("oe", "oe"),
    ("oi", "oe"),
    ("we", "oe"),
    ("oy", "oe"),
    ("ey", "oe"),
    ("oei", "oe"),
    ("oie", "oe"),
    ("u", "u"),
    ("oo", "u"),
    ("ou", "u"),
    ("eu", "u"),
    ("woo", "u"),
    ("wo", "wo"),
    ("weo", "wo"),
    ("wu", "wo"),
    ("wi", "wi"),
    ("wee", "wi"),
    ("ui", "ui"),
    ("eui", "ui"),
    ("yu", "yu"),
    ("yoo", "yu"),
    ("you", "yu"),
    ("i", "i"),
    ("ee", "i"),
    ("ie", "i"),
    ("ea", "i"),
    ("y", "i"),
    ("yi", "i"),
    ("yee", "i"),
];

/// Final consonant spellings (after silent h and non-rhotic r are removed)
/// → class. The seven neutralised finals are the same in every system.
const FINAL_CLASSES: &[(&str, &str)] = &[
    ("", ""),
    ("k", "k"),
    ("g", "k"),
    ("ck", "k"),
    ("kk", "k"),
    ("n", "n"),
    ("nn", "n"),
    ("t", "t"),
    ("d", "t"),
    ("s", "t"),
    ("tt", "t"),
    ("l", "l"),
    ("ll", "l"),
    ("m", "m"),
    ("mm", "m"),
    ("p", "p"),
    ("b", "p"),
    ("pp", "p"),
    ("ng", "ng"),
    ("nng", "ng"),
];

fn lookup(table: &[(&str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// Reads a folded token as exactly one syllable: (initial, vowel, final)
/// classes, or None when it is not one Korean syllable.
fn parse_syllable(folded: &str) -> Option<(&'static str, &'static str, &'static str)> {
    // "Whang", "Whoang": a common inversion of hw.
    let owned;
    let s = if let Some(rest) = folded.strip_prefix("wh") {
        owned = format!("hw{rest}");
        owned.as_str()
    } else {
        folded
    };
    let vowel_start = s.find(is_vowel_letter)?;
    let (initial, rest) = s.split_at(vowel_start);
    let vowel_len = rest
        .find(|c: char| !is_vowel_letter(c))
        .unwrap_or(rest.len());
    let (vowel, fin) = rest.split_at(vowel_len);
    if fin.contains(is_vowel_letter) {
        return None;
    }
    let initial_class = lookup(INITIAL_CLASSES, initial)?;
    // "Young", "Joung", "Soung": ou before ng spells ㅓ/ㅗ, not ㅜ.
    let vowel_class = match (vowel, fin) {
        ("ou", "ng") => "o",
        ("you", "ng") => "yo",
        _ => lookup(VOWEL_CLASSES, vowel)?,
    };
    // A final h only lengthens the vowel (Oh, Ahn, Nahm), and a final r
    // before a consonant or at the end is the English non-rhotic spelling of
    // a long vowel (Park, Hur, Kor).
    let mut fin: String = fin.chars().filter(|c| *c != 'h').collect();
    if fin.starts_with('r') {
        fin.remove(0);
    }
    let final_class = lookup(FINAL_CLASSES, &fin)?;
    Some((initial_class, vowel_class, final_class))
}

/// A romanization-independent key for ONE romanized Korean syllable:
/// "jeong", "jong", "chong", "chŏng", "cheong" → "cong"; "un", "eun", "ŭn",
/// "u'n" → "un"; "choe", "choi", "ch'oe" → "coe".
///
/// Folded: stop series (k/g/kh/kk, t/d/th/tt, p/b/ph/pp/f), affricates
/// (ch/j/tch/jj/ts/z), s/sh/ss, r/l; ㅓ with ㅗ and ㅡ with ㅜ (the ascii forms
/// of MR and DPRK cannot tell them apart); ㅚ's oe/oi/we; ㅐ's ae/ai.
/// Kept apart: vowels all systems keep apart (min ≠ mun ≠ mon, ae ≠ e), and
/// finals. Not folded: ㅓ spelled "u" (Chul for 철, Sung for 성) or ㄹ→n/∅ of
/// the initial-sound law; `surname_group` covers those for surnames.
/// A token that is not one syllable gets its folded letters back, so keys of
/// non-Korean tokens still compare as plain strings.
pub fn syllable_key(token: &str) -> String {
    let folded = fold_latin(token);
    match parse_syllable(&folded) {
        Some((initial, vowel, fin)) => format!("{initial}{vowel}{fin}"),
        None => folded,
    }
}

/// Key of a whole given name: its syllables' keys joined by '-', whether it
/// was written "Jong-un", "Jong Un" or "Jongun". None when it cannot be read
/// as Korean syllables.
pub fn given_name_key(given: &str) -> Option<String> {
    let parts: Vec<String> = given
        .split(|c: char| c.is_whitespace() || c == '-' || c == '‐')
        .map(fold_latin)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return None;
    }
    let syllables = if parts.iter().all(|p| parse_syllable(p).is_some()) {
        parts
    } else {
        split_syllables(given)?
    };
    let keys: Vec<String> = syllables.iter().map(|s| syllable_key(s)).collect();
    Some(keys.join("-"))
}

// ---------------------------------------------------------------------------
// Splitting joined given names
// ---------------------------------------------------------------------------

// Spellings per jamo with a cost: 0 for the RR/MR/DPRK form, 1 for a common
// non-standard spelling (from observed passport and list spellings).
const INITIAL_FORMS: [&[(&str, u8)]; 19] = [
    &[("k", 0), ("g", 0), ("gh", 1), ("kh", 1)],
    &[("kk", 0), ("gg", 1)],
    &[("n", 0)],
    &[("t", 0), ("d", 0)],
    &[("tt", 0), ("dd", 1)],
    &[("r", 0), ("l", 1)],
    &[("m", 0)],
    &[("p", 0), ("b", 0), ("bh", 1)],
    &[("pp", 0), ("bb", 1)],
    &[("s", 0), ("sh", 0)],
    &[("ss", 0)],
    &[("", 0)],
    &[("j", 0), ("ch", 0), ("z", 1), ("jh", 1)],
    &[("jj", 0), ("tch", 0)],
    &[("ch", 0), ("c", 1), ("chh", 1), ("ts", 1)],
    &[("k", 0), ("kh", 0)],
    &[("t", 0), ("th", 0)],
    &[("p", 0), ("ph", 0), ("f", 1)],
    &[("h", 0)],
];
const MEDIAL_FORMS: [&[(&str, u8)]; 21] = [
    &[("a", 0), ("ah", 1)],
    &[("ae", 0), ("ai", 1), ("ay", 1)],
    &[("ya", 0)],
    &[("yae", 0)],
    &[("eo", 0), ("o", 0), ("u", 1), ("uh", 1)],
    &[("e", 0)],
    &[("yeo", 0), ("yo", 0), ("yu", 1)],
    &[("ye", 0)],
    &[("o", 0), ("oh", 1)],
    &[("wa", 0), ("oa", 1)],
    &[("wae", 0)],
    &[("oe", 0), ("oi", 1), ("we", 1)],
    &[("yo", 0)],
    &[("u", 0), ("oo", 1), ("ou", 1), ("woo", 1)],
    &[("wo", 0), ("weo", 1)],
    &[("we", 0)],
    &[("wi", 0), ("wee", 1)],
    &[("yu", 0), ("yoo", 1), ("you", 1)],
    &[("eu", 0), ("u", 0)],
    &[("ui", 0), ("eui", 1)],
    &[("i", 0), ("ee", 1), ("yi", 1)],
];
// Final s is left out on purpose: it would read "james" as ja-mes.
const FINAL_FORMS: &[(&str, u8)] = &[
    ("", 0),
    ("k", 0),
    ("g", 1),
    ("n", 0),
    ("t", 0),
    ("l", 0),
    ("r", 1),
    ("m", 0),
    ("p", 0),
    ("b", 1),
    ("ng", 0),
];

/// Every spelling of every syllable in RR, MR-ascii, DPRK-ascii and the
/// common variants, with the cheapest cost at which it occurs.
fn syllable_inventory() -> &'static HashMap<String, u8> {
    static INVENTORY: OnceLock<HashMap<String, u8>> = OnceLock::new();
    INVENTORY.get_or_init(|| {
        let mut map: HashMap<String, u8> = HashMap::new();
        for initials in INITIAL_FORMS {
            for (initial, ci) in initials.iter() {
                for medials in MEDIAL_FORMS {
                    for (medial, cm) in medials.iter() {
                        for (fin, cf) in FINAL_FORMS {
                            let spelling = format!("{initial}{medial}{fin}");
                            let cost = ci + cm + cf;
                            map.entry(spelling)
                                .and_modify(|c| *c = (*c).min(cost))
                                .or_insert(cost);
                        }
                    }
                }
            }
        }
        map
    })
}

const MAX_SYLLABLE_LEN: usize = 7;

/// Splits a romanized given name into Korean syllables: "jongun" →
/// `["jong", "un"]`, "seonghwa" → `["seong", "hwa"]`, "minjun" →
/// `["min", "jun"]`, "Jong-un" → `["jong", "un"]`.
///
/// Only readings of two or three syllables are returned (a one-syllable
/// name needs no split). Among them the fewest syllables win, then the
/// cheapest (standard spellings over variants), and a split that tears "ng"
/// apart (jon-gun) loses to one that keeps it as a final (jong-un), because a
/// syllable cannot begin with ng. Remaining ties go to the longer first
/// syllable. This is a shape test, not language identification: "anna"
/// reads as 안나 (an-na), which is a real Korean name, so it returns
/// `Some(["an", "na"])`; "vladimir" (no Korean v or vl) and "james" (no
/// final s) give None. Callers should only trust a split when the rest of
/// the name (for example the surname group) is Korean too.
pub fn split_syllables(token: &str) -> Option<Vec<String>> {
    let inventory = syllable_inventory();
    let parts: Vec<String> = token
        .split(|c: char| c.is_whitespace() || c == '-' || c == '‐')
        .map(fold_latin)
        .filter(|p| !p.is_empty())
        .collect();
    if (2..=3).contains(&parts.len()) && parts.iter().all(|p| inventory.contains_key(p)) {
        return Some(parts);
    }
    let joined: String = parts.concat();
    if joined.len() > 3 * MAX_SYLLABLE_LEN {
        return None;
    }
    let cost_of = |s: &str| inventory.get(s).map(|c| u32::from(*c));
    let boundary = |left: &str, right: &str| -> u32 {
        if left.ends_with('n') && right.starts_with('g') {
            2
        } else {
            0
        }
    };
    let n = joined.len();
    let mut best: Option<(u32, Vec<usize>)> = None;
    // Two syllables.
    for a in 1..n {
        let (x, y) = joined.split_at(a);
        if let (Some(cx), Some(cy)) = (cost_of(x), cost_of(y)) {
            let cost = cx + cy + boundary(x, y);
            if best.as_ref().is_none_or(|(c, _)| cost <= *c) {
                best = Some((cost, vec![a]));
            }
        }
    }
    if best.is_none() {
        for a in 1..n {
            for b in a + 1..n {
                let (x, rest) = joined.split_at(a);
                let (y, z) = rest.split_at(b - a);
                if let (Some(cx), Some(cy), Some(cz)) = (cost_of(x), cost_of(y), cost_of(z)) {
                    let cost = cx + cy + cz + boundary(x, y) + boundary(y, z);
                    if best.as_ref().is_none_or(|(c, _)| cost <= *c) {
                        best = Some((cost, vec![a, b]));
                    }
                }
            }
        }
    }
    let (_, cuts) = best?;
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for cut in cuts.into_iter().chain(std::iter::once(n)) {
        out.push(joined[start..cut].to_string());
        start = cut;
    }
    Some(out)
}

/// Whether `token` spells one Korean syllable in a common romanization.
pub fn is_syllable(token: &str) -> bool {
    syllable_inventory().contains_key(&fold_latin(token))
}

/// Hangul for one romanized syllable when exactly one syllable is spelled
/// that way in RR, MR-ascii or DPRK-ascii (e.g. "hwa" → 화); None when the
/// spelling is ambiguous ("jong": 정 or 종) or unknown.
pub fn hangul_for_syllable(token: &str) -> Option<char> {
    static REVERSE: OnceLock<HashMap<String, Vec<char>>> = OnceLock::new();
    let reverse = REVERSE.get_or_init(|| {
        let mut map: HashMap<String, Vec<char>> = HashMap::new();
        for i in 0..19 {
            for m in 0..21 {
                // Finals with one spelling per sound only: ㄱ ㄴ ㄷ ㄹ ㅁ ㅂ ㅇ.
                for f in [0usize, 1, 4, 7, 8, 16, 17, 21] {
                    let Some(c) = compose(i, m, f) else { continue };
                    for system in [System::Revised, System::McCuneReischauerAscii, System::Dprk] {
                        if let Some(s) = romanize_syllable(c, system) {
                            let entry = map.entry(s).or_default();
                            if !entry.contains(&c) {
                                entry.push(c);
                            }
                        }
                    }
                }
            }
        }
        map
    });
    match reverse.get(fold_latin(token).as_str()).map(Vec::as_slice) {
        Some([only]) => Some(*only),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        syllable_key(s)
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn initial_sound_law_applies_to_r_and_n() {
        assert_eq!(initial_sound_law('룡'), Some('용'));
        assert_eq!(initial_sound_law('렬'), Some('열'));
        assert_eq!(initial_sound_law('리'), Some('이'));
        assert_eq!(initial_sound_law('로'), Some('노'));
        assert_eq!(initial_sound_law('녀'), Some('여'));
        assert_eq!(initial_sound_law('남'), None);
        assert_eq!(initial_sound_law('정'), None);
        assert_eq!(initial_sound_law('x'), None);
    }

    #[test]
    fn popular_respellings_change_given_name_vowels_only() {
        assert_eq!(popular_respellings("박지성"), ["박지숭"]);
        // 성 as a surname stays: the surname group covers "Sung".
        assert_eq!(popular_respellings("성민"), Vec::<String>::new());
        assert_eq!(
            popular_respellings("정현철"),
            ["정휸철", "정현출", "정휸출"]
        );
        assert_eq!(popular_respellings("김 정은"), ["김 중은"]);
        assert_eq!(popular_respellings("남궁연"), ["남궁윤"]);
        assert!(popular_respellings("김민준").is_empty());
        assert!(popular_respellings("Kim").is_empty());
    }

    #[test]
    fn hangul_syllable_range() {
        assert!(is_hangul_syllable('가'));
        assert!(is_hangul_syllable('힣'));
        assert!(!is_hangul_syllable('ㄱ'));
        assert!(!is_hangul_syllable('a'));
    }

    #[test]
    fn romanizes_hangul_names_in_dprk_spelling() {
        assert_eq!(
            romanize_hangul_name("김정은"),
            Some(strings(&["kim", "jong", "un"]))
        );
        assert_eq!(
            romanize_hangul_name("남궁민수"),
            Some(strings(&["namgung", "min", "su"]))
        );
        assert_eq!(
            romanize_hangul_name("리영호"),
            Some(strings(&["ri", "yong", "ho"]))
        );
        assert_eq!(
            romanize_hangul_name("이영호"),
            romanize_hangul_name("리영호")
        );
        assert_eq!(
            romanize_hangul_name("임수경"),
            romanize_hangul_name("림수경")
        );
        assert_eq!(
            romanize_hangul_name("유경식"),
            romanize_hangul_name("류경식")
        );
        assert_eq!(
            romanize_hangul_name("최선희"),
            Some(strings(&["choe", "son", "hui"]))
        );
        assert_eq!(
            romanize_hangul_name("정성화"),
            Some(strings(&["jong", "song", "hwa"]))
        );
        assert_eq!(
            romanize_hangul_name("김 정은"),
            Some(strings(&["kim", "jong", "un"]))
        );
        assert_eq!(romanize_hangul_name("Kim"), None);
        assert_eq!(romanize_hangul_name(""), None);
    }

    #[test]
    fn romanizes_single_syllables_in_each_system() {
        assert_eq!(
            romanize_syllable('정', System::Revised).as_deref(),
            Some("jeong")
        );
        assert_eq!(
            romanize_syllable('정', System::McCuneReischauerAscii).as_deref(),
            Some("chong")
        );
        assert_eq!(
            romanize_syllable('평', System::Dprk).as_deref(),
            Some("phyong")
        );
        assert_eq!(romanize_syllable('x', System::Dprk), None);
    }

    #[test]
    fn syllable_key_folds_the_systems_together() {
        for s in [
            "jeong", "jong", "chong", "chŏng", "cheong", "Chǒng", "cho'ng",
        ] {
            assert_eq!(key(s), "cong", "{s}");
        }
        for s in ["seong", "song", "sŏng", "so'ng"] {
            assert_eq!(key(s), key("seong"), "{s}");
        }
        for s in ["un", "eun", "ŭn", "u'n"] {
            assert_eq!(key(s), "un", "{s}");
        }
        assert_eq!(key("hwa"), key("hoa"));
        for s in ["choe", "choi", "ch'oe", "chwe"] {
            assert_eq!(key(s), "coe", "{s}");
        }
        for s in ["kyong", "kyeong", "gyeong", "kyŏng", "ky'ong"] {
            assert_eq!(key(s), "kyong", "{s}");
        }
        assert_eq!(key("pyong"), key("p'yŏng"));
        assert_eq!(key("phyong"), key("byeong"));
        assert_eq!(key("young"), key("yeong"));
        assert_eq!(key("chol"), key("cheol"));
        assert_eq!(key("il"), key("eel"));
    }

    #[test]
    fn syllable_key_keeps_distinct_vowels_and_finals_apart() {
        assert_ne!(key("min"), key("mun"));
        assert_ne!(key("min"), key("myon"));
        assert_ne!(key("jun"), key("chol"));
        assert_ne!(key("hae"), key("he"));
        assert_ne!(key("hui"), key("hwi"));
        assert_ne!(key("song"), key("son"));
        assert_eq!(key("Vladimir"), "vladimir");
    }

    #[test]
    fn min_jun_does_not_become_min_chol() {
        assert_ne!(given_name_key("Min-jun"), given_name_key("Min Chol"));
        assert_ne!(given_name_key("Minjun"), given_name_key("Minchol"));
        assert_eq!(given_name_key("Jongun"), given_name_key("Jong-un"));
        assert_eq!(given_name_key("Jong Un"), given_name_key("Chŏng-ŭn"));
        assert_eq!(given_name_key("Seong-hwa"), given_name_key("Song Hwa"));
        assert_eq!(given_name_key("vladimir"), None);
    }

    #[test]
    fn splits_joined_given_names() {
        assert_eq!(split_syllables("jongun"), Some(strings(&["jong", "un"])));
        assert_eq!(split_syllables("Jongun"), Some(strings(&["jong", "un"])));
        assert_eq!(
            split_syllables("seonghwa"),
            Some(strings(&["seong", "hwa"]))
        );
        assert_eq!(split_syllables("songhwa"), Some(strings(&["song", "hwa"])));
        assert_eq!(split_syllables("minjun"), Some(strings(&["min", "jun"])));
        assert_eq!(
            split_syllables("jeongeun"),
            Some(strings(&["jeong", "eun"]))
        );
        assert_eq!(split_syllables("Jong-un"), Some(strings(&["jong", "un"])));
        assert_eq!(
            split_syllables("yongchol"),
            Some(strings(&["yong", "chol"]))
        );
        assert_eq!(split_syllables("seoyeon"), Some(strings(&["seo", "yeon"])));
        assert_eq!(split_syllables("anna"), Some(strings(&["an", "na"])));
        assert_eq!(split_syllables("vladimir"), None);
        assert_eq!(split_syllables("james"), None);
        assert_eq!(split_syllables("kim"), None);
        assert_eq!(split_syllables(""), None);
    }

    #[test]
    fn surname_groups() {
        for s in ["lee", "Yi", "i", "Ri", "Rhee", "li", "ree", "이", "리"] {
            assert_eq!(surname_group(s), Some("ri"), "{s}");
        }
        for s in ["park", "pak", "bak"] {
            assert_eq!(surname_group(s), Some("pak"), "{s}");
        }
        for s in ["choi", "choe", "ch'oe", "CH'OE", "chwe"] {
            assert_eq!(surname_group(s), Some("choe"), "{s}");
        }
        for s in ["jung", "jeong", "chung", "jong", "chong", "cheong", "Chŏng"] {
            assert_eq!(surname_group(s), Some("jong"), "{s}");
        }
        assert_eq!(surname_group("gim"), Some("kim"));
        assert_eq!(surname_group("Lim"), surname_group("im"));
        assert_eq!(surname_group("Ryoo"), surname_group("yu"));
        assert_eq!(surname_group("Gwang"), Some("kang"));
        assert_eq!(surname_group("Namgoong"), Some("namgung"));
        assert_eq!(surname_group("Sunwoo"), Some("sonu"));
        assert_eq!(surname_group("Noh"), Some("ro"));
        assert_eq!(surname_group("smith"), None);
        assert!(surname_spellings("pak").is_some_and(|s| s.contains(&"park")));
        assert_eq!(surname_group(""), None);
    }

    #[test]
    fn every_group_id_is_its_own_group_and_spellings_are_unique() {
        let mut seen: HashMap<&str, &str> = HashMap::new();
        let groups = &surname_index().groups;
        for group in groups {
            assert_eq!(surname_group(group.id), Some(group.id), "{}", group.id);
            for spelling in &group.spellings {
                if let Some(other) = seen.insert(spelling, group.id) {
                    assert_eq!(other, group.id, "{spelling} in two groups");
                }
            }
        }
        assert!(groups.len() >= 66);
    }

    #[test]
    fn hangul_reverse_map_skips_ambiguous_spellings() {
        assert_eq!(hangul_for_syllable("hwa"), Some('화'));
        assert_eq!(hangul_for_syllable("jeong"), Some('정'));
        assert_eq!(hangul_for_syllable("jong"), None);
    }

    #[test]
    fn agrees_with_reference_syllable_table() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/matching/korean/hangul_syllables_rr_mr_dprk.tsv");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("skipping: {} not present", path.display());
            return;
        };
        let (mut rows, mut keys_agree, mut spelling_agree, mut rr_agree) = (0u32, 0u32, 0u32, 0u32);
        let mut disagreements = Vec::new();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let (Some(syl), Some(rr), Some(mr_ascii), Some(dprk_ascii)) = (
                cols.first().and_then(|s| s.chars().next()),
                cols.get(1),
                cols.get(3),
                cols.get(5),
            ) else {
                continue;
            };
            let Some(ours) = romanize_syllable(syl, System::Dprk) else {
                continue;
            };
            rows += 1;
            let k = key(&ours);
            if key(rr) == k && key(mr_ascii) == k && key(dprk_ascii) == k {
                keys_agree += 1;
            } else if disagreements.len() < 10 {
                disagreements.push(format!("{syl} {rr} {mr_ascii} {dprk_ascii} {ours}"));
            }
            if ours == *dprk_ascii || ours == *mr_ascii {
                spelling_agree += 1;
            }
            if romanize_syllable(syl, System::Revised).as_deref() == Some(*rr) {
                rr_agree += 1;
            }
        }
        assert_eq!(rows, 11_172);
        let rate = |n: u32| f64::from(n) / f64::from(rows);
        eprintln!(
            "syllable table: keys agree {:.4}, spelling agrees {:.4}, rr agrees {:.4}; first disagreements: {disagreements:?}",
            rate(keys_agree),
            rate(spelling_agree),
            rate(rr_agree)
        );
        assert!(rate(keys_agree) >= 0.99);
        assert!(rate(spelling_agree) >= 0.95);
        assert!(rate(rr_agree) >= 0.99);
    }
}
