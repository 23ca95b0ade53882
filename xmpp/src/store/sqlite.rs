//! [`SqliteStore`]: the embedded default [`Store`], one SQLite file.

use super::{Credentials, RosterItem, ScramCredentials, Store, StoreError, Subscription};
use crate::Jid;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::path::Path;

/// Separates group names in one column: U+001F cannot occur in XML text, so in no
/// group name either.
const GROUP_SEP: char = '\u{1f}';

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    sha1_salt BLOB, sha1_iter INTEGER, sha1_stored BLOB, sha1_server BLOB,
    sha256_salt BLOB, sha256_iter INTEGER, sha256_stored BLOB, sha256_server BLOB
);
CREATE TABLE IF NOT EXISTS roster (
    user TEXT NOT NULL, jid TEXT NOT NULL, name TEXT, groups TEXT NOT NULL,
    subscription TEXT NOT NULL, ask INTEGER NOT NULL, pending_in INTEGER NOT NULL,
    approved INTEGER NOT NULL, listed INTEGER NOT NULL,
    PRIMARY KEY (user, jid)
);
CREATE TABLE IF NOT EXISTS vcards (user TEXT PRIMARY KEY, xml TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS offline (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, stanza TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS offline_user ON offline (user, id);
";

/// A [`Store`] in one SQLite database file.
///
/// The database runs in WAL mode with `synchronous=FULL`: every write is committed and
/// synced before the call returns, so what the server acknowledged survives a crash.
/// Reads never wait for the disk beyond SQLite's page cache. One store is used by one
/// loop thread; SQLite's own locking lets a second process (a backup, an admin tool)
/// read the file meanwhile.
pub struct SqliteStore {
    db: Connection,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.db.path())
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) `xmpp.sqlite3` in `dir`, creating `dir` too.
    ///
    /// # Errors
    /// [`StoreError::Io`] if the directory cannot be created; [`StoreError::Sqlite`] if
    /// the file cannot be opened, is not a database, or the schema cannot be created.
    pub fn open_dir(dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir)?;
        SqliteStore::open(&dir.join("xmpp.sqlite3"))
    }

    /// Opens (creating if needed) the database file at `path`.
    ///
    /// # Errors
    /// As [`open_dir`](SqliteStore::open_dir), without the directory step.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let db = Connection::open(path)?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "FULL")?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        db.execute_batch(SCHEMA)?;
        Ok(SqliteStore { db })
    }

    /// An in-memory SQLite database (tests of this backend without a file).
    ///
    /// # Errors
    /// [`StoreError::Sqlite`] if SQLite cannot allocate it.
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        let db = Connection::open_in_memory()?;
        db.execute_batch(SCHEMA)?;
        Ok(SqliteStore { db })
    }
}

fn scram_from(row: &Row<'_>, base: usize) -> rusqlite::Result<Option<ScramCredentials>> {
    let salt: Option<Vec<u8>> = row.get(base)?;
    let iter: Option<u32> = row.get(base + 1)?;
    let stored: Option<Vec<u8>> = row.get(base + 2)?;
    let server: Option<Vec<u8>> = row.get(base + 3)?;
    Ok(match (salt, iter, stored, server) {
        (Some(salt), Some(iterations), Some(stored_key), Some(server_key)) => {
            Some(ScramCredentials {
                salt,
                iterations,
                stored_key,
                server_key,
            })
        }
        _ => None,
    })
}

type ScramCols<'a> = (
    Option<&'a [u8]>,
    Option<u32>,
    Option<&'a [u8]>,
    Option<&'a [u8]>,
);

fn scram_cols(c: &Option<ScramCredentials>) -> ScramCols<'_> {
    match c {
        Some(c) => (
            Some(&c.salt),
            Some(c.iterations),
            Some(&c.stored_key),
            Some(&c.server_key),
        ),
        None => (None, None, None, None),
    }
}

/// A roster row as stored, decoded by [`finish_item`].
type RawItem = (String, Option<String>, String, String, [bool; 4]);

fn item_from(row: &Row<'_>) -> rusqlite::Result<RawItem> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        [row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?],
    ))
}

fn finish_item(
    (jid, name, groups, sub, [ask, pending_in, approved, listed]): RawItem,
) -> Result<RosterItem, StoreError> {
    Ok(RosterItem {
        jid: Jid::new(&jid).map_err(|_| StoreError::Corrupt("roster jid"))?,
        name,
        groups: if groups.is_empty() {
            Vec::new()
        } else {
            groups.split(GROUP_SEP).map(str::to_owned).collect()
        },
        subscription: Subscription::parse(&sub)
            .ok_or(StoreError::Corrupt("roster subscription"))?,
        ask,
        pending_in,
        approved,
        listed,
    })
}

const ITEM_COLS: &str = "jid, name, groups, subscription, ask, pending_in, approved, listed";

impl Store for SqliteStore {
    fn credentials(&self, user: &str) -> Result<Option<Credentials>, StoreError> {
        let r = self
            .db
            .prepare_cached("SELECT sha1_salt, sha1_iter, sha1_stored, sha1_server, sha256_salt, sha256_iter, sha256_stored, sha256_server FROM users WHERE name = ?1")?
            .query_row([user], |row| Ok(Credentials { sha1: scram_from(row, 0)?, sha256: scram_from(row, 4)? }))
            .optional()?;
        Ok(r)
    }

    fn set_credentials(&mut self, user: &str, creds: &Credentials) -> Result<(), StoreError> {
        let (a, b, c, d) = scram_cols(&creds.sha1);
        let (e, f, g, h) = scram_cols(&creds.sha256);
        self.db
            .prepare_cached(
                "INSERT OR REPLACE INTO users VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![user, a, b, c, d, e, f, g, h])?;
        Ok(())
    }

    fn create_user(&mut self, user: &str, creds: &Credentials) -> Result<bool, StoreError> {
        let (a, b, c, d) = scram_cols(&creds.sha1);
        let (e, f, g, h) = scram_cols(&creds.sha256);
        let n = self
            .db
            .prepare_cached(
                "INSERT OR IGNORE INTO users VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![user, a, b, c, d, e, f, g, h])?;
        Ok(n == 1)
    }

    fn delete_user(&mut self, user: &str) -> Result<bool, StoreError> {
        let tx = self.db.transaction()?;
        tx.execute("DELETE FROM roster WHERE user = ?1", [user])?;
        tx.execute("DELETE FROM vcards WHERE user = ?1", [user])?;
        tx.execute("DELETE FROM offline WHERE user = ?1", [user])?;
        let n = tx.execute("DELETE FROM users WHERE name = ?1", [user])?;
        tx.commit()?;
        Ok(n == 1)
    }

    fn roster(&self, user: &str) -> Result<Vec<RosterItem>, StoreError> {
        let mut stmt = self
            .db
            .prepare_cached(&format!("SELECT {ITEM_COLS} FROM roster WHERE user = ?1"))?;
        let rows = stmt.query_map([user], item_from)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(finish_item(r?)?);
        }
        Ok(out)
    }

    fn roster_item(&self, user: &str, contact: &Jid) -> Result<Option<RosterItem>, StoreError> {
        let r = self
            .db
            .prepare_cached(&format!(
                "SELECT {ITEM_COLS} FROM roster WHERE user = ?1 AND jid = ?2"
            ))?
            .query_row([user, contact.as_str()], item_from)
            .optional()?;
        r.map(finish_item).transpose()
    }

    fn put_roster_item(&mut self, user: &str, item: &RosterItem) -> Result<(), StoreError> {
        let groups = item.groups.join(&GROUP_SEP.to_string());
        self.db
            .prepare_cached(&format!("INSERT OR REPLACE INTO roster (user, {ITEM_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"))?
            .execute(params![
                user,
                item.jid.as_str(),
                item.name,
                groups,
                item.subscription.as_str(),
                item.ask,
                item.pending_in,
                item.approved,
                item.listed
            ])?;
        Ok(())
    }

    fn remove_roster_item(&mut self, user: &str, contact: &Jid) -> Result<bool, StoreError> {
        let n = self
            .db
            .prepare_cached("DELETE FROM roster WHERE user = ?1 AND jid = ?2")?
            .execute([user, contact.as_str()])?;
        Ok(n == 1)
    }

    fn vcard(&self, user: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .prepare_cached("SELECT xml FROM vcards WHERE user = ?1")?
            .query_row([user], |r| r.get(0))
            .optional()?)
    }

    fn set_vcard(&mut self, user: &str, xml: &str) -> Result<(), StoreError> {
        self.db
            .prepare_cached("INSERT OR REPLACE INTO vcards VALUES (?1, ?2)")?
            .execute([user, xml])?;
        Ok(())
    }

    fn push_offline(&mut self, user: &str, stanza: &str, limit: usize) -> Result<bool, StoreError> {
        let tx = self.db.transaction()?;
        let count: i64 = tx.query_row(
            "SELECT COUNT(*) FROM offline WHERE user = ?1",
            [user],
            |r| r.get(0),
        )?;
        if usize::try_from(count).unwrap_or(usize::MAX) >= limit {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO offline (user, stanza) VALUES (?1, ?2)",
            [user, stanza],
        )?;
        tx.commit()?;
        Ok(true)
    }

    fn take_offline(&mut self, user: &str) -> Result<Vec<String>, StoreError> {
        let tx = self.db.transaction()?;
        let out = {
            let mut stmt = tx.prepare("SELECT stanza FROM offline WHERE user = ?1 ORDER BY id")?;
            let rows = stmt.query_map([user], |r| r.get::<_, String>(0))?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        if !out.is_empty() {
            tx.execute("DELETE FROM offline WHERE user = ?1", [user])?;
        }
        tx.commit()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
