//! Ledgers uploaded through the import page, kept between the check the clerk reads and
//! the import they confirm (a browser cannot send a chosen file twice). Held in memory for
//! half an hour, at most a few at once, each only for the account that uploaded it; an
//! instance restarted in between asks for the file again.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::domain::coords::Crs;

const KEPT_FOR: Duration = Duration::from_secs(30 * 60);
const MOST_KEPT: usize = 8;

/// One uploaded file and how it is to be read.
#[derive(Clone)]
pub struct Upload {
    pub id: String,
    /// The account id that uploaded it; nobody else may import it.
    pub owner: i64,
    pub file_name: String,
    pub bytes: Arc<Vec<u8>>,
    pub sheet: Option<String>,
    pub crs: Crs,
    at: Instant,
}

#[derive(Clone, Default)]
pub struct Uploads(Arc<Mutex<Vec<Upload>>>);

impl Uploads {
    /// Keeps a file; its id (random, unguessable) goes in the confirming form.
    pub fn keep(
        &self,
        owner: i64,
        file_name: String,
        bytes: Vec<u8>,
        sheet: Option<String>,
        crs: Crs,
    ) -> anyhow::Result<String> {
        use rand::TryRng;
        let mut random = [0u8; 16];
        rand::rngs::SysRng
            .try_fill_bytes(&mut random)
            .map_err(|e| anyhow::anyhow!("no randomness from the system: {e}"))?;
        let id: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let mut kept = self.0.lock().expect("uploads lock");
        kept.retain(|u| u.at.elapsed() < KEPT_FOR);
        if kept.len() >= MOST_KEPT {
            kept.remove(0);
        }
        kept.push(Upload {
            id: id.clone(),
            owner,
            file_name,
            bytes: Arc::new(bytes),
            sheet,
            crs,
            at: Instant::now(),
        });
        Ok(id)
    }

    /// The file `owner` uploaded as `id`, still kept.
    pub fn get(&self, id: &str, owner: i64) -> Option<Upload> {
        let mut kept = self.0.lock().expect("uploads lock");
        kept.retain(|u| u.at.elapsed() < KEPT_FOR);
        kept.iter()
            .find(|u| u.id == id && u.owner == owner)
            .cloned()
    }

    /// The file `owner` uploaded as `id`, taken out (it is imported once).
    pub fn take(&self, id: &str, owner: i64) -> Option<Upload> {
        let mut kept = self.0.lock().expect("uploads lock");
        kept.retain(|u| u.at.elapsed() < KEPT_FOR);
        let at = kept.iter().position(|u| u.id == id && u.owner == owner)?;
        Some(kept.remove(at))
    }
}
