fn main() {
    let s = axial_demo::study();
    let mut seen = std::collections::BTreeSet::new();
    for (d, p) in s.interviews.iter().zip(&s.participants) {
        let cs: Vec<_> = s
            .codings
            .iter()
            .filter(|c| c.coder == "researcher" && c.document == d.file_name)
            .collect();
        let before = seen.len();
        for c in &cs {
            seen.insert(c.code.clone());
        }
        println!(
            "{} {:32} {:3}min words {:5} codings {:3} new {}",
            d.file_name,
            p.staff_group,
            p.duration_minutes,
            d.text.split_whitespace().count(),
            cs.len(),
            seen.len() - before
        );
    }
    let groups = &s.staff_groups;
    for cat in s.codes.iter().filter(|c| !c.codable) {
        let codes: Vec<_> = s
            .codes
            .iter()
            .filter(|c| c.parent.as_ref() == Some(&cat.name))
            .map(|c| c.name.clone())
            .collect();
        let mut line = format!("{:40}", cat.name);
        for g in groups {
            let docs: Vec<_> = s
                .interviews
                .iter()
                .zip(&s.participants)
                .filter(|(_, p)| &p.staff_group == g)
                .map(|(d, _)| d.file_name.clone())
                .collect();
            let n = s
                .codings
                .iter()
                .filter(|c| {
                    c.coder == "researcher" && docs.contains(&c.document) && codes.contains(&c.code)
                })
                .count();
            line += &format!(" {:6.1}", n as f64 / docs.len() as f64);
        }
        println!("{line}");
    }
    for d in &s.documents {
        println!("{} {}", d.file_name, d.text.split_whitespace().count());
    }
    println!("codings total {}", s.codings.len());
    if let Ok(n) = std::env::var("DUMP") {
        let i: usize = n.parse().unwrap();
        println!("{}", s.interviews[i].text);
    }
    if std::env::var("MEMO").is_ok() {
        for m in &s.memos {
            println!("## {} [{}]\n{}\n", m.title, m.kind, m.body);
        }
    }
    if std::env::var("CSV").is_ok() {
        println!("{}", s.survey_csv);
    }
}
#[allow(dead_code)]
fn dump() {}
