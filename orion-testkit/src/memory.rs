//! In-memory repositories (being written).
use orion_core::Repos;
/// In-memory backend.
#[derive(Debug)]
pub struct InMemoryRepos;
impl InMemoryRepos {
    /// A fresh, empty backend.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> Repos {
        unimplemented!()
    }
}
