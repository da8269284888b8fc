//! `axial demo`: builds the built-in demo study (from `axial-demo`) into a
//! project, idempotently, through the same change log as any other work.

use std::collections::HashMap;
use std::sync::Arc;

use axial_core::{
    Action, Case, CaseId, ChangeSet, Code, CodeId, Coding, CodingId, Color, Entity, Memo, MemoId,
    MemoKind, MemoLink, Op, Project, ProjectId, Set, SetId, SetMember, Source, SourceId,
    SourceKind, Span, Structure, Subject, Value, ValueId, Variable, VariableId, VariableKind,
    Version,
};
use axial_formats::import;

use crate::sources::{content_hash, file_stem};
use crate::texts::LoadedText;
use crate::{Actor, App, AppError, SurveyImport};

/// Namespace of the demo's ids: derived from stable names, so every build
/// of the demo has the same ids (reproducible exports and links).
const DEMO: uuid::Uuid = uuid::Uuid::from_u128(0x0d3e_5a1c_7a9e_4c11_8d2b_6465_6d6f_0001);

/// What `axial demo` made (or found).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoReport {
    pub project: String,
    pub created: bool,
    pub sources: u64,
    pub codes: u64,
    pub codings: u64,
    pub memos: u64,
    pub cases: u64,
}

impl App {
    /// Creates the demo project unless a project of that name exists.
    pub async fn build_demo(
        &self,
        progress: &dyn Fn(&str),
    ) -> Result<(Project, DemoReport), AppError> {
        let study = axial_demo::study();
        if let Some(p) = self
            .store
            .projects()
            .await?
            .into_iter()
            .find(|p| p.name == study.project_name)
        {
            let c = self.store.counts(p.id).await?;
            let report = DemoReport {
                project: p.name.clone(),
                created: false,
                sources: c.sources,
                codes: c.codes,
                codings: c.codings,
                memos: c.memos,
                cases: c.cases,
            };
            return Ok((p, report));
        }
        let researcher = self.local_user("researcher").await?;
        let second = self.local_user("second coder").await?;
        progress("creating the project");
        let project = Project {
            id: ProjectId::derived(DEMO, "project"),
            name: study.project_name.clone(),
            description: study.description.clone(),
            created_at: axial_core::now(),
            version: Version::FIRST,
        };
        let cs = ChangeSet::new(
            Some(project.id),
            researcher.id(),
            Action::ProjectCreate,
            format!("created project '{}'", project.name),
        )
        .op(Op::insert(Entity::Project(project.clone())));
        self.store.commit(cs).await?;
        let pid = project.id;

        // Variables and cases (participants).
        progress("adding participants and their attributes");
        let mut cs = ChangeSet::new(
            Some(pid),
            researcher.id(),
            Action::CaseCreate,
            "added the 21 participants with their attributes",
        );
        let var = |name: &str, kind: VariableKind, description: &str| Variable {
            id: VariableId::derived(DEMO, &format!("variable:{name}")),
            project: pid,
            name: name.into(),
            kind,
            description: description.into(),
            version: Version::FIRST,
        };
        let mut sites: Vec<String> = study.participants.iter().map(|p| p.site.clone()).collect();
        sites.sort();
        sites.dedup();
        let v_group = var(
            "staff group",
            VariableKind::Category {
                values: study.staff_groups.clone(),
            },
            "the participant's staff group (sampling frame)",
        );
        let v_role = var(
            "role",
            VariableKind::Text,
            "job title as given by the participant",
        );
        let v_site = var(
            "site",
            VariableKind::Category { values: sites },
            "practice where the participant works",
        );
        let v_date = var(
            "interview date",
            VariableKind::Date,
            "date of the interview",
        );
        let v_years = var(
            "years in role",
            VariableKind::Integer,
            "years in the current role",
        );
        let v_minutes = var(
            "interview length (minutes)",
            VariableKind::Integer,
            "length of the recording",
        );
        for v in [&v_group, &v_role, &v_site, &v_date, &v_years, &v_minutes] {
            cs.push(Op::insert(Entity::Variable(v.clone())));
        }
        let mut case_ids = Vec::new();
        for p in &study.participants {
            let case = Case {
                id: CaseId::derived(DEMO, &format!("case:{}", p.label)),
                project: pid,
                name: p.label.clone(),
                description: String::new(),
                version: Version::FIRST,
            };
            case_ids.push(case.id);
            cs.push(Op::insert(Entity::Case(case.clone())));
            let (y, m, d) = p.interview_date;
            let date = time::Date::from_calendar_date(
                y,
                time::Month::try_from(m).map_err(|e| AppError::Internal(e.to_string()))?,
                d,
            )
            .map_err(|e| AppError::Internal(format!("demo interview date: {e}")))?;
            let values = [
                (&v_group, Value::Category(p.staff_group.clone())),
                (&v_role, Value::Text(p.role.clone())),
                (&v_site, Value::Category(p.site.clone())),
                (&v_date, Value::Date(date)),
                (&v_years, Value::Integer(p.years_in_role as i64)),
                (&v_minutes, Value::Integer(p.duration_minutes as i64)),
            ];
            for (v, value) in values {
                cs.push(Op::insert(Entity::Value(axial_core::VariableValue {
                    id: ValueId::derived(DEMO, &format!("value:{}:{}", v.name, p.label)),
                    project: pid,
                    variable: v.id,
                    subject: Subject::Case(case.id),
                    value,
                    version: Version::FIRST,
                })));
            }
        }
        self.store.commit(cs).await?;

        // Interviews and documents, each imported in its own change.
        let mut by_file: HashMap<String, (Source, Arc<LoadedText>)> = HashMap::new();
        let mut interview_ids = Vec::new();
        let mut document_ids = Vec::new();
        let all_docs: Vec<(&axial_demo::Document, bool)> = study
            .interviews
            .iter()
            .map(|d| (d, true))
            .chain(study.documents.iter().map(|d| (d, false)))
            .collect();
        for (i, (doc, is_interview)) in all_docs.iter().enumerate() {
            progress(&format!(
                "importing {} ({}/{})",
                doc.file_name,
                i + 1,
                all_docs.len()
            ));
            let kind = if doc.file_name.ends_with(".md") {
                SourceKind::Markdown
            } else {
                SourceKind::Text
            };
            let loaded = Arc::new(LoadedText::new(Arc::from(doc.text.as_str())));
            let hash = content_hash(&doc.text);
            let structure = Structure {
                paragraphs: import::paragraphs(&doc.text),
                turns: import::detect_turns(&doc.text),
                pages: Vec::new(),
            };
            let source = Source {
                id: SourceId::derived(DEMO, &format!("source:{}", doc.file_name)),
                project: pid,
                name: file_stem(&doc.file_name),
                kind,
                content_hash: hash,
                char_len: loaded.char_len(),
                imported_at: axial_core::now(),
                imported_by: researcher.id(),
                case: doc.participant.and_then(|i| case_ids.get(i).copied()),
                description: doc.title.clone(),
                structure: structure.into(),
                revision_of: None,
                version: Version::FIRST,
            };
            let mut cs = ChangeSet::new(
                Some(pid),
                researcher.id(),
                Action::SourceImport,
                format!("imported '{}'", source.name),
            );
            cs.texts.push((hash, loaded.text.clone()));
            cs.push(Op::insert(Entity::Source(source.clone())));
            self.store.commit(cs).await?;
            self.texts.put(hash, loaded.clone());
            if *is_interview {
                interview_ids.push(source.id);
            } else {
                document_ids.push(source.id);
            }
            by_file.insert(doc.file_name.clone(), (source, loaded));
        }
        let mut cs = ChangeSet::new(
            Some(pid),
            researcher.id(),
            Action::SetCreate,
            "grouped the sources into sets",
        );
        for (name, desc, ids) in [
            (
                "Interviews",
                "the 21 staff interviews, in the order they were conducted",
                &interview_ids,
            ),
            (
                "Organisational documents",
                "documents collected for triangulation",
                &document_ids,
            ),
        ] {
            cs.push(Op::insert(Entity::Set(Set {
                id: SetId::derived(DEMO, &format!("set:{name}")),
                project: pid,
                name: name.into(),
                description: desc.into(),
                members: ids.iter().map(|id| SetMember::Source(*id)).collect(),
                version: Version::FIRST,
            })));
        }
        self.store.commit(cs).await?;

        progress("importing the staff survey");
        let header_fixed = fix_survey_header(&study.survey_csv);
        let headers: Vec<String> = header_fixed
            .lines()
            .next()
            .unwrap_or("")
            .split(',')
            .map(|h| h.trim().to_string())
            .collect();
        let text_columns: Vec<String> = headers
            .iter()
            .filter(|h| h.starts_with("open"))
            .cloned()
            .collect();
        let attribute_columns: Vec<String> = headers
            .iter()
            .skip(1)
            .filter(|h| !h.starts_with("open"))
            .cloned()
            .collect();
        self.import_survey(
            &researcher,
            &project,
            SurveyImport {
                file_name: "staff-survey.csv".into(),
                bytes: header_fixed.into_bytes(),
                case_column: headers.first().cloned(),
                attribute_columns,
                text_columns,
            },
        )
        .await?;

        // Codebook.
        progress("adding the codebook");
        let mut cs = ChangeSet::new(
            Some(pid),
            researcher.id(),
            Action::CodeCreate,
            format!(
                "added the codebook ({} codes and categories)",
                study.codes.len()
            ),
        );
        let mut code_ids: HashMap<String, CodeId> = HashMap::new();
        for (i, c) in study.codes.iter().enumerate() {
            let parent = match &c.parent {
                Some(p) => Some(*code_ids.get(p).ok_or_else(|| {
                    AppError::Internal(format!("demo code '{}' names unknown parent '{p}'", c.name))
                })?),
                None => None,
            };
            let code = Code {
                id: CodeId::derived(DEMO, &format!("code:{}", c.name)),
                project: pid,
                parent,
                name: c.name.clone(),
                color: c
                    .color
                    .parse::<Color>()
                    .unwrap_or_else(|_| Color::palette(i)),
                description: c.description.clone(),
                inclusion: c.inclusion.clone(),
                exclusion: c.exclusion.clone(),
                example: c.example.clone(),
                codable: c.codable,
                created_by: researcher.id(),
                created_at: axial_core::now(),
                version: Version::FIRST,
            };
            code_ids.insert(c.name.clone(), code.id);
            cs.push(Op::insert(Entity::Code(code)));
        }
        self.store.commit(cs).await?;

        // Codings, one change per document and coder, in interview order.
        progress("adding the codings");
        let mut grouped: Vec<((String, String), Vec<&axial_demo::CodingDef>)> = Vec::new();
        for c in &study.codings {
            let key = (c.document.clone(), c.coder.clone());
            match grouped.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(c),
                None => grouped.push((key, vec![c])),
            }
        }
        for ((doc, coder), defs) in grouped {
            let actor: &Actor = if coder == "second coder" {
                &second
            } else {
                &researcher
            };
            let (source, text) = by_file.get(&doc).ok_or_else(|| {
                AppError::Internal(format!("demo coding names unknown document '{doc}'"))
            })?;
            let mut cs = ChangeSet::new(
                Some(pid),
                actor.id(),
                Action::CodingApply,
                format!("coded '{}' ({} segments)", source.name, defs.len()),
            );
            for d in defs {
                let code = *code_ids.get(&d.code).ok_or_else(|| {
                    AppError::Internal(format!("demo coding names unknown code '{}'", d.code))
                })?;
                let span = Span::new(d.start, d.end, text.char_len())
                    .map_err(|e| AppError::Internal(format!("demo coding in {doc}: {e}")))?;
                cs.push(Op::insert(Entity::Coding(Coding {
                    id: CodingId::derived(
                        DEMO,
                        &format!("coding:{doc}:{coder}:{}:{}:{}", d.code, d.start, d.end),
                    ),
                    project: pid,
                    source: source.id,
                    code,
                    span,
                    coder: actor.id(),
                    created_at: axial_core::now(),
                    version: Version::FIRST,
                })));
            }
            self.store.commit(cs).await?;
        }

        progress("placing segments on the dimensions of two categories");
        self.add_demo_properties(&researcher, &project, DEMO)
            .await?;

        progress("adding the memos");
        for m in &study.memos {
            let mut links = Vec::new();
            for c in &m.codes {
                if let Some(id) = code_ids.get(c) {
                    links.push(MemoLink::Code(*id));
                }
            }
            for d in &m.documents {
                if let Some((s, _)) = by_file.get(d) {
                    links.push(MemoLink::Source(s.id));
                }
            }
            if links.is_empty() {
                links.push(MemoLink::Project);
            }
            let kind: MemoKind = m.kind.parse().unwrap_or(MemoKind::Theoretical);
            let now = axial_core::now();
            let memo = Memo {
                id: MemoId::derived(DEMO, &format!("memo:{}", m.title)),
                project: pid,
                title: m.title.clone(),
                body: m.body.clone(),
                kind,
                links,
                author: researcher.id(),
                created_at: now,
                updated_at: now,
                version: Version::FIRST,
            };
            let cs = ChangeSet::new(
                Some(pid),
                researcher.id(),
                Action::MemoCreate,
                format!("wrote {kind} memo '{}'", m.title),
            )
            .op(Op::insert(Entity::Memo(memo)));
            self.store.commit(cs).await?;
        }
        progress("adding the participant register");
        self.store
            .commit(demo_register(&project, &researcher, &study, &case_ids)?)
            .await?;
        let c = self.store.counts(pid).await?;
        let report = DemoReport {
            project: project.name.clone(),
            created: true,
            sources: c.sources,
            codes: c.codes,
            codings: c.codings,
            memos: c.memos,
            cases: c.cases,
        };
        Ok((project, report))
    }

    /// The id of the demo project if it exists.
    pub async fn demo_project(&self) -> Result<Option<ProjectId>, AppError> {
        let name = axial_demo::study().project_name;
        Ok(self
            .store
            .projects()
            .await?
            .into_iter()
            .find(|p| p.name == name)
            .map(|p| p.id))
    }
}

/// The participant register of the demo as one change: every interviewee
/// with their staff group, plausible recruitment, consent and interview
/// dates (all consented to quotes; Interviewee 11 not to archiving), the
/// study's ethics details, a sampling target per group and two sampling
/// decisions. Record ids are derived from names, like every demo id.
fn demo_register(
    project: &Project,
    by: &Actor,
    study: &axial_demo::Study,
    case_ids: &[CaseId],
) -> Result<ChangeSet, AppError> {
    use crate::participants::{
        ConsentScope, InformationSheet, Participant, ParticipantStatus, SamplingDecision,
        SamplingTarget, Study,
    };
    use crate::records::{new_record, RecordBody};
    use axial_core::case::format_date;
    fn record<T: RecordBody>(
        project: &Project,
        by: &Actor,
        name: &str,
        body: &T,
    ) -> Result<Entity, AppError> {
        let mut r = new_record(project, by.id(), body)?;
        r.id = axial_core::RecordId::derived(DEMO, &format!("record:{name}"));
        Ok(Entity::Record(r))
    }
    let date = |(y, m, d): (i32, u8, u8)| -> Result<time::Date, AppError> {
        time::Month::try_from(m)
            .ok()
            .and_then(|m| time::Date::from_calendar_date(y, m, d).ok())
            .ok_or_else(|| AppError::Internal(format!("demo date {y}-{m}-{d} is not a date")))
    };
    let second_sheet = date((2023, 10, 24))?;
    let mut cs = ChangeSet::new(
        Some(project.id),
        by.id(),
        Action::RecordCreate,
        format!(
            "added the participant register ({} participants), study details and sampling frame",
            study.participants.len()
        ),
    );
    cs.push(Op::insert(record(
        project,
        by,
        "study",
        &Study {
            ethics_reference: "UREC 2023-117 (fictional)".into(),
            approval_date: "2023-07-18".into(),
            information_sheets: vec![
                InformationSheet {
                    version: "1.0".into(),
                    date: "2023-07-18".into(),
                },
                InformationSheet {
                    version: "1.1".into(),
                    date: format_date(second_sheet),
                },
            ],
            notes: "Participants may withdraw until analysis of their interview begins.".into(),
        },
    )?));
    for (i, p) in study.participants.iter().enumerate() {
        let interviewed = date(p.interview_date)?;
        let recruited = interviewed - time::Duration::days(12 + (i as i64 * 5) % 9);
        let consented = interviewed - time::Duration::days((i as i64) % 3);
        let body = Participant {
            label: p.label.clone(),
            case: case_ids.get(i).copied(),
            group: p.staff_group.clone(),
            recruited_on: format_date(recruited),
            interviewed_on: format_date(interviewed),
            consent_form_version: if consented < second_sheet {
                "1.0"
            } else {
                "1.1"
            }
            .into(),
            consented_on: format_date(consented),
            consent: ConsentScope {
                quotes: true,
                archiving: i != 10,
                other: Vec::new(),
            },
            status: ParticipantStatus::Interviewed,
            notes: if i == 10 {
                "Asked that the transcript not be archived.".into()
            } else {
                String::new()
            },
            withdrawn_on: String::new(),
        };
        cs.push(Op::insert(record(
            project,
            by,
            &format!("participant:{}", p.label),
            &body,
        )?));
    }
    for (i, g) in study.staff_groups.iter().enumerate() {
        let have = study
            .participants
            .iter()
            .filter(|p| p.staff_group == *g)
            .count() as u32;
        // One group fell short of its target: the decisions say why.
        let target = if i == 2 { have + 1 } else { have };
        cs.push(Op::insert(record(
            project,
            by,
            &format!("target:{g}"),
            &SamplingTarget {
                group: g.clone(),
                target,
            },
        )?));
    }
    let fourth = study.participants.get(3).map(|p| p.interview_date);
    let last = study.participants.last().map(|p| p.interview_date);
    for (name, when, decision, reason) in [
        (
            "interleave",
            fourth,
            "Interleave the five staff groups from the fifth interview on",
            "The first interviews suggested that quality means different things at the front line and in management; alternating groups lets each interview test the emerging ideas from another vantage point.",
        ),
        (
            "stop",
            last,
            "Stop recruiting; one non-clinical front line manager place stays unfilled",
            "The last interviews added no new codes and did not change the categories; a further manager declined, and the two managers interviewed confirmed the pattern.",
        ),
    ] {
        let Some(when) = when else { continue };
        cs.push(Op::insert(record(
            project,
            by,
            &format!("decision:{name}"),
            &SamplingDecision {
                date: format_date(date(when)?),
                decision: decision.into(),
                reason: reason.into(),
            },
        )?));
    }
    Ok(cs)
}

/// The survey's `staff_group` column becomes the same "staff group" variable
/// the interviews use, so matrices can compare the two.
fn fix_survey_header(csv: &str) -> String {
    let mut lines = csv.splitn(2, '\n');
    let header = lines
        .next()
        .unwrap_or("")
        .replace("staff_group", "staff group");
    match lines.next() {
        Some(rest) => format!("{header}\n{rest}"),
        None => header,
    }
}
