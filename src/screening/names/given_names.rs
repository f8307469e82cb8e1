//! Given names that are one name in another form: English nicknames
//! (Bibi and Ben for Benjamin, Ted for Theodore) and the same name in other
//! languages (John, Juan, Johann, Ivan). Spelling variants are the phonetic
//! key's and the fuzzy match's business; this table holds only what no
//! spelling rule can see.
//!
//! The groups are common knowledge of naming, written for this project. A
//! name may sit in two groups (Ted for Theodore and for Edward). Pairs that
//! look related but are different names are left out on purpose: Frederick
//! and Friedrich are cognate but distinct names in screening benchmarks, and
//! a woman's form is not a man's (Olga/Oleg, Michelle/Michael).

use std::collections::HashMap;
use std::sync::OnceLock;

const GROUPS: &[&[&str]] = &[
    &[
        "benjamin", "ben", "benny", "bibi", "binyamin", "benyamin", "veniamin",
    ],
    &[
        "theodore",
        "ted",
        "teddy",
        "theo",
        "fyodor",
        "fedor",
        "teodor",
        "theodoros",
    ],
    &[
        "edward", "ed", "eddie", "ted", "teddy", "eduard", "eduardo", "edoardo",
    ],
    &[
        "william",
        "bill",
        "billy",
        "will",
        "willy",
        "wilhelm",
        "guillermo",
        "guillaume",
    ],
    &["robert", "bob", "bobby", "rob", "robbie", "roberto"],
    &["richard", "rick", "ricky", "dick", "ricardo", "riccardo"],
    &["james", "jim", "jimmy", "jamie", "jaime"],
    &[
        "john", "johnny", "jack", "juan", "johann", "johannes", "jean", "giovanni", "ivan",
        "ioannis", "ioan", "hans", "sean", "ian", "jan",
    ],
    &[
        "michael", "mike", "mikhail", "miguel", "michel", "mikael", "michal", "mykhailo",
    ],
    &[
        "alexander",
        "alex",
        "sasha",
        "aleksandr",
        "alexandr",
        "alejandro",
        "alessandro",
        "alexandre",
        "alexandros",
        "oleksandr",
        "aleksander",
        "sandro",
    ],
    &[
        "alexey", "alexei", "aleksei", "aleksey", "oleksii", "oleksiy", "alexis",
    ],
    &[
        "joseph", "joe", "joey", "jose", "giuseppe", "josef", "iosif", "yusuf", "yosef", "osip",
        "youssef",
    ],
    &[
        "peter", "pete", "pedro", "pierre", "pietro", "pyotr", "petr", "petro",
    ],
    &["paul", "pablo", "paolo", "pavel", "paulo", "pavlo"],
    &[
        "george", "georg", "jorge", "giorgio", "georgiy", "georgy", "giorgi", "georgios",
    ],
    &[
        "nicholas", "nick", "nicky", "nikolai", "nikolay", "nicolas", "nicola", "nikolaos",
        "mykola", "niko",
    ],
    &[
        "stephen", "steve", "steven", "stefan", "stepan", "esteban", "stephane", "stefano",
    ],
    &["thomas", "tom", "tommy", "tomas", "foma", "tommaso"],
    &[
        "charles", "charlie", "chuck", "carlos", "carlo", "karl", "karel",
    ],
    &[
        "elizabeth",
        "liz",
        "beth",
        "betty",
        "eliza",
        "elisabeth",
        "yelizaveta",
        "elisabetta",
    ],
    &[
        "katherine",
        "kate",
        "katie",
        "cathy",
        "catherine",
        "kathryn",
        "ekaterina",
        "yekaterina",
        "katya",
        "caterina",
        "katarzyna",
    ],
    &[
        "margaret",
        "maggie",
        "meg",
        "peggy",
        "margarita",
        "marguerite",
        "margherita",
    ],
    &["mary", "maria", "marie", "mariya", "masha"],
    &[
        "dmitry",
        "dmitri",
        "dmitriy",
        "dimitri",
        "dimitrios",
        "dima",
        "demetrius",
    ],
    &[
        "sergey", "sergei", "sergiy", "serhiy", "sergio", "serge", "sergejs",
    ],
    &[
        "vladimir",
        "volodymyr",
        "wladimir",
        "vova",
        "volodya",
        "wlodzimierz",
    ],
    &["ibrahim", "abraham", "avraham", "ibragim"],
    &["suleiman", "solomon", "suleyman", "sulejman", "shlomo"],
    &["daniel", "dan", "danny", "daniil", "danil", "daniyal"],
    &["david", "dave", "davit", "dawood", "dawud", "daud"],
    &[
        "andrew", "andy", "andrei", "andrey", "andres", "andreas", "andriy", "andrzej",
    ],
    &["anthony", "tony", "antonio", "anton", "antoine"],
    &[
        "francis",
        "frank",
        "francisco",
        "francesco",
        "francois",
        "franz",
        "frantisek",
    ],
    &[
        "henry", "harry", "hank", "henri", "enrique", "heinrich", "henrik",
    ],
    &["lawrence", "larry", "lorenzo", "laurent"],
    &[
        "matthew", "matt", "mateo", "matteo", "matthias", "matvei", "matvey",
    ],
    &["patrick", "pat", "paddy", "patricio"],
    &[
        "eugene", "gene", "evgeny", "yevgeny", "evgeni", "yevgeniy", "eugenio", "yevhen",
    ],
    &[
        "gregory", "greg", "grigory", "grigoriy", "gregorio", "hryhoriy",
    ],
    &[
        "jacob", "jake", "jakob", "yakov", "yaakov", "giacomo", "yaqub", "jakub",
    ],
    &["natalia", "natalie", "natasha", "nataliya", "natalya"],
    &["elena", "helen", "helena", "yelena", "olena"],
];

fn index() -> &'static HashMap<&'static str, Vec<u16>> {
    static INDEX: OnceLock<HashMap<&'static str, Vec<u16>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut map: HashMap<&'static str, Vec<u16>> = HashMap::new();
        for (group, names) in GROUPS.iter().enumerate() {
            for name in *names {
                map.entry(name).or_default().push(group as u16);
            }
        }
        map
    })
}

/// The groups a folded token belongs to (empty: none).
pub fn groups(token: &str) -> &'static [u16] {
    index().get(token).map_or(&[], Vec::as_slice)
}

/// A 64-bit summary of the groups a folded token belongs to (0: none):
/// tokens whose masks share no bit are not forms of one name.
pub fn group_mask(token: &str) -> u64 {
    index()
        .get(token)
        .map_or(0, |groups| groups.iter().fold(0, |m, g| m | 1 << (g % 64)))
}

/// Whether two different folded tokens are forms of one given name.
pub fn same_name(a: &str, b: &str) -> bool {
    let idx = index();
    match (idx.get(a), idx.get(b)) {
        (Some(ga), Some(gb)) => ga.iter().any(|g| gb.contains(g)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames_and_other_languages_meet_and_others_do_not() {
        assert!(same_name("bibi", "benjamin"));
        assert!(same_name("ted", "theodore"));
        assert!(same_name("ted", "edward"));
        assert!(!same_name("theodore", "edward"));
        assert!(same_name("juan", "john"));
        assert!(!same_name("frederick", "friedrich"));
        assert!(!same_name("olga", "oleg"));
        assert_ne!(group_mask("ivan") & group_mask("john"), 0);
        assert_eq!(group_mask("putin"), 0);
    }
}
