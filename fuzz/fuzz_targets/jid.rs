//! Parses arbitrary strings as JIDs and checks that valid ones are
//! normalised stably: printing and parsing again gives the same JID, and
//! the parts rebuild it.
#![no_main]

use jaxl_xmpp::Jid;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(jid) = Jid::new(text) else {
        return;
    };
    let printed = jid.to_string();
    assert_eq!(Jid::new(&printed).as_ref(), Ok(&jid), "{text:?}");
    assert_eq!(
        Jid::from_parts(jid.node(), jid.domain(), jid.resource()).as_ref(),
        Ok(&jid)
    );
    let bare = jid.bare();
    assert!(bare.is_bare());
    assert_eq!(bare.node(), jid.node());
    assert_eq!(bare.domain(), jid.domain());
    if let Some(res) = jid.resource() {
        assert_eq!(bare.with_resource(res).as_ref(), Ok(&jid));
    }
});
