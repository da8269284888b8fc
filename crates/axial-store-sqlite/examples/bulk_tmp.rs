use axial_core::{Action, Entity, Op};
use axial_store::conformance::{commit_ok, new_coding, study};
use axial_store::{CodingFilter, Store};
#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.db");
    let store = axial_store_sqlite::SqliteStore::open(&path.to_string_lossy()).await.unwrap();
    let st = study(&store, "Bulk").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let codes = [st.parent.id, st.child.id, st.other.id];
    let mut cs = st.fx.change(Action::CodingApply, Vec::new());
    for i in 0..100_000u32 {
        let source = &st.sources[(i % 2) as usize];
        cs.push(Op::insert(Entity::Coding(new_coding(p, source.id, codes[(i % 3) as usize], i, i + 5, u))));
    }
    let t = std::time::Instant::now();
    commit_ok(&store, cs).await;
    println!("commit 100k: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let n = store.codings(p, &CodingFilter::code(st.child.id)).await.unwrap().len();
    println!("filter one code ({n}): {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let n = store.codings(p, &CodingFilter::all()).await.unwrap().len();
    println!("all ({n}): {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let h = store.undo_candidate(p, u).await.unwrap().unwrap();
    println!("undo candidate ({} ops): {:?}", h.ops.len(), t.elapsed());
    let t = std::time::Instant::now();
    commit_ok(&store, h.inverse(u, Action::Undo, "undo")).await;
    println!("undo 100k deletes: {:?}", t.elapsed());
}
