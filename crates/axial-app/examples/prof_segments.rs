use std::sync::Arc;
use std::time::Instant;
#[tokio::main]
async fn main() {
    let path = std::env::args().nth(1).unwrap();
    let store: Arc<dyn axial_store::Store> = Arc::new(axial_store_sqlite::SqliteStore::open(&path).await.unwrap());
    let app = axial_app::App::new(store.clone());
    let p = app.projects().await.unwrap().into_iter().next().unwrap();
    let code = app.find_code(&p, "code 000").await.unwrap();
    for _ in 0..3 {
        let t = Instant::now(); let s = store.sources(p.id).await.unwrap(); println!("sources {} {:?}", s.len(), t.elapsed());
        let t = Instant::now(); let c = store.codings(p.id, &axial_store::CodingFilter::code(code.id)).await.unwrap(); println!("codings {} {:?}", c.len(), t.elapsed());
        let t = Instant::now(); let c = store.codes(p.id).await.unwrap(); println!("codes {} {:?}", c.len(), t.elapsed());
        let t = Instant::now(); let c = store.values(p.id).await.unwrap(); println!("values {} {:?}", c.len(), t.elapsed());
        let t = Instant::now(); let c = store.users().await.unwrap(); println!("users {} {:?}", c.len(), t.elapsed());
        let q = axial_app::SegmentQuery { codes: vec![code.id], ..Default::default() };
        let t = Instant::now(); let s = app.segments(&p, &q).await.unwrap(); println!("segments {} {:?}", s.len(), t.elapsed());
        let sq = axial_app::SearchQuery { pattern: "quality".into(), regex: false, ..Default::default() };
        let t = Instant::now(); let s = app.search(&p, &sq).await.unwrap(); println!("search {} {:?}", s.len(), t.elapsed());
    }
}
