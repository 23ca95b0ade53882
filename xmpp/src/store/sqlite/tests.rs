use super::super::{Credentials, MemoryStore, RosterItem, ScramCredentials, Store, Subscription};
use super::SqliteStore;
use crate::Jid;

fn creds(n: u8) -> Credentials {
    let s = ScramCredentials {
        salt: vec![n; 16],
        iterations: 4096,
        stored_key: vec![n; 32],
        server_key: vec![n + 1; 32],
    };
    Credentials {
        sha1: None,
        sha256: Some(s),
    }
}

/// The same behaviour from every backend.
fn exercise(store: &mut dyn Store) {
    assert_eq!(store.credentials("alice").unwrap(), None);
    assert!(store.create_user("alice", &creds(1)).unwrap());
    assert!(!store.create_user("alice", &creds(2)).unwrap());
    assert_eq!(store.credentials("alice").unwrap(), Some(creds(1)));
    store.set_credentials("alice", &creds(3)).unwrap();
    assert_eq!(store.credentials("alice").unwrap(), Some(creds(3)));

    let bob = Jid::new("bob@example.com").unwrap();
    let mut item = RosterItem::new(bob.clone());
    item.name = Some("Bob".into());
    item.groups = vec!["Friends".into(), "Work".into()];
    item.subscription = Subscription::To;
    item.pending_in = true;
    store.put_roster_item("alice", &item).unwrap();
    assert_eq!(
        store.roster_item("alice", &bob).unwrap(),
        Some(item.clone())
    );
    item.subscription = Subscription::Both;
    item.groups.clear();
    store.put_roster_item("alice", &item).unwrap();
    assert_eq!(store.roster("alice").unwrap(), vec![item]);
    assert!(store.remove_roster_item("alice", &bob).unwrap());
    assert!(!store.remove_roster_item("alice", &bob).unwrap());

    store
        .set_vcard("alice", "<vCard xmlns='vcard-temp'/>")
        .unwrap();
    assert_eq!(
        store.vcard("alice").unwrap().as_deref(),
        Some("<vCard xmlns='vcard-temp'/>")
    );

    assert!(store
        .push_offline("alice", "<message>1</message>", 2)
        .unwrap());
    assert!(store
        .push_offline("alice", "<message>2</message>", 2)
        .unwrap());
    assert!(!store
        .push_offline("alice", "<message>3</message>", 2)
        .unwrap());
    assert_eq!(
        store.take_offline("alice").unwrap(),
        vec!["<message>1</message>", "<message>2</message>"]
    );
    assert!(store.take_offline("alice").unwrap().is_empty());

    assert!(store.delete_user("alice").unwrap());
    assert_eq!(store.credentials("alice").unwrap(), None);
    assert_eq!(store.vcard("alice").unwrap(), None);
}

#[test]
fn memory_store() {
    exercise(&mut MemoryStore::new());
}

#[test]
fn sqlite_store() {
    exercise(&mut SqliteStore::in_memory().unwrap());
}

#[test]
fn sqlite_survives_reopen() {
    let dir = std::env::temp_dir().join(format!("jaxl-store-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let mut s = SqliteStore::open_dir(&dir).unwrap();
        s.create_user("bob", &creds(7)).unwrap();
        s.push_offline("bob", "<message/>", 10).unwrap();
    }
    let mut s = SqliteStore::open_dir(&dir).unwrap();
    assert_eq!(s.credentials("bob").unwrap(), Some(creds(7)));
    assert_eq!(s.take_offline("bob").unwrap(), vec!["<message/>"]);
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}
