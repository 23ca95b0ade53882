//! [`MemoryStore`]: a [`Store`] in memory, for tests and throwaway servers.

use super::{Credentials, RosterItem, Store, StoreError};
use crate::Jid;
use std::collections::HashMap;

/// Keeps everything in hash maps; nothing survives the process. Never fails.
#[derive(Debug, Default)]
pub struct MemoryStore {
    users: HashMap<String, Credentials>,
    rosters: HashMap<String, Vec<RosterItem>>,
    vcards: HashMap<String, String>,
    offline: HashMap<String, Vec<String>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

impl Store for MemoryStore {
    fn credentials(&self, user: &str) -> Result<Option<Credentials>, StoreError> {
        Ok(self.users.get(user).cloned())
    }

    fn set_credentials(&mut self, user: &str, creds: &Credentials) -> Result<(), StoreError> {
        self.users.insert(user.to_owned(), creds.clone());
        Ok(())
    }

    fn create_user(&mut self, user: &str, creds: &Credentials) -> Result<bool, StoreError> {
        if self.users.contains_key(user) {
            return Ok(false);
        }
        self.users.insert(user.to_owned(), creds.clone());
        Ok(true)
    }

    fn delete_user(&mut self, user: &str) -> Result<bool, StoreError> {
        self.rosters.remove(user);
        self.vcards.remove(user);
        self.offline.remove(user);
        Ok(self.users.remove(user).is_some())
    }

    fn roster(&self, user: &str) -> Result<Vec<RosterItem>, StoreError> {
        Ok(self.rosters.get(user).cloned().unwrap_or_default())
    }

    fn roster_item(&self, user: &str, contact: &Jid) -> Result<Option<RosterItem>, StoreError> {
        Ok(self
            .rosters
            .get(user)
            .and_then(|r| r.iter().find(|i| &i.jid == contact).cloned()))
    }

    fn put_roster_item(&mut self, user: &str, item: &RosterItem) -> Result<(), StoreError> {
        let roster = self.rosters.entry(user.to_owned()).or_default();
        match roster.iter_mut().find(|i| i.jid == item.jid) {
            Some(old) => *old = item.clone(),
            None => roster.push(item.clone()),
        }
        Ok(())
    }

    fn remove_roster_item(&mut self, user: &str, contact: &Jid) -> Result<bool, StoreError> {
        let Some(roster) = self.rosters.get_mut(user) else {
            return Ok(false);
        };
        let before = roster.len();
        roster.retain(|i| &i.jid != contact);
        Ok(roster.len() != before)
    }

    fn vcard(&self, user: &str) -> Result<Option<String>, StoreError> {
        Ok(self.vcards.get(user).cloned())
    }

    fn set_vcard(&mut self, user: &str, xml: &str) -> Result<(), StoreError> {
        self.vcards.insert(user.to_owned(), xml.to_owned());
        Ok(())
    }

    fn push_offline(&mut self, user: &str, stanza: &str, limit: usize) -> Result<bool, StoreError> {
        let queue = self.offline.entry(user.to_owned()).or_default();
        if queue.len() >= limit {
            return Ok(false);
        }
        queue.push(stanza.to_owned());
        Ok(true)
    }

    fn take_offline(&mut self, user: &str) -> Result<Vec<String>, StoreError> {
        Ok(self.offline.remove(user).unwrap_or_default())
    }
}
