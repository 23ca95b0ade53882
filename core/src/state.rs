//! Application state shared by every handler of a loop, stored by type.

use std::any::{Any, TypeId};
use std::cell::{RefCell, RefMut};

/// Values inserted with [`Loop::insert_state`](crate::Loop::insert_state), one per type.
/// The map itself only changes through `&mut Loop` (between runs); during callbacks each
/// value is reached through its own `RefCell`, so a handler can hold one state while
/// writing to connections.
#[derive(Default)]
pub(crate) struct StateMap {
    entries: Vec<(TypeId, Box<dyn Any>)>,
}

impl StateMap {
    pub(crate) fn insert<T: 'static>(&mut self, value: T) -> Option<T> {
        let id = TypeId::of::<T>();
        for (k, v) in &mut self.entries {
            if *k == id {
                let cell = v.downcast_mut::<RefCell<T>>()?;
                return Some(std::mem::replace(cell.get_mut(), value));
            }
        }
        self.entries.push((id, Box::new(RefCell::new(value))));
        None
    }

    pub(crate) fn cell<T: 'static>(&self) -> Option<&RefCell<T>> {
        let id = TypeId::of::<T>();
        self.entries
            .iter()
            .find(|(k, _)| *k == id)
            .and_then(|(_, v)| v.downcast_ref::<RefCell<T>>())
    }

    pub(crate) fn get_mut<T: 'static>(&mut self) -> Option<&mut T> {
        let id = TypeId::of::<T>();
        self.entries
            .iter_mut()
            .find(|(k, _)| *k == id)
            .and_then(|(_, v)| v.downcast_mut::<RefCell<T>>())
            .map(|c| c.get_mut())
    }

    pub(crate) fn borrow<T: 'static>(&self) -> Option<RefMut<'_, T>> {
        self.cell::<T>()?.try_borrow_mut().ok()
    }
}
