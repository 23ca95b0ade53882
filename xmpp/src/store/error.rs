//! [`StoreError`]: why the store could not do what was asked.

use std::fmt;

/// A failure of the storage backend.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The SQLite backend failed (I/O error, full disk, corrupt or locked database).
    Sqlite(rusqlite::Error),
    /// The data directory or file could not be created or opened.
    Io(std::io::Error),
    /// A stored value could not be decoded (written by another program or corrupt).
    Corrupt(&'static str),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "store: sqlite: {e}"),
            StoreError::Io(e) => write!(f, "store: {e}"),
            StoreError::Corrupt(what) => write!(f, "store: corrupt value: {what}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Sqlite(e) => Some(e),
            StoreError::Io(e) => Some(e),
            StoreError::Corrupt(_) => None,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e)
    }
}
