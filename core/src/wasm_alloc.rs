//! The WebAssembly build's memory allocator: power-of-two size classes, each
//! with a free list, carved from pages obtained with `memory.grow`.
//!
//! Why not the standard allocator (dlmalloc): it costs ~8 KB of the bundle,
//! more than this whole file compiles to. Allocation and release are O(1);
//! the price is up to 2x rounding of each block, which the SDK's bounded
//! queue keeps small in absolute terms. Memory is never returned to the
//! browser (WebAssembly cannot shrink memory), only reused.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr::null_mut;

const PAGE: usize = 65_536;
const MIN_CLASS: u32 = 4; // 16-byte blocks
const CLASSES: usize = 32;
/// Blocks are aligned to this; larger alignments are served but never reused.
const BLOCK_ALIGN: usize = 16;

struct State {
    free: [usize; CLASSES],
    next: usize,
    end: usize,
}

pub struct SizeClassAllocator(UnsafeCell<State>);

// SAFETY: WebAssembly without threads runs one thread; nothing else can
// observe the state while a call is in progress.
unsafe impl Sync for SizeClassAllocator {}

impl Default for SizeClassAllocator {
    fn default() -> Self {
        Self::new()
    }
}

impl SizeClassAllocator {
    pub const fn new() -> Self {
        SizeClassAllocator(UnsafeCell::new(State {
            free: [0; CLASSES],
            next: 0,
            end: 0,
        }))
    }
}

fn class_of(layout: &Layout) -> u32 {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    size.next_power_of_two().trailing_zeros()
}

impl State {
    /// Takes `size` bytes aligned to `align` from the unused end of memory.
    fn bump(&mut self, size: usize, align: usize) -> *mut u8 {
        let mut start = (self.next + align - 1) & !(align - 1);
        if start + size > self.end {
            let pages = (size + align).div_ceil(PAGE);
            let previous = wasm32::memory_grow(0, pages);
            if previous == usize::MAX {
                return null_mut();
            }
            let region = previous * PAGE;
            if region != self.end {
                self.next = region; // not contiguous: start afresh there
            }
            self.end = region + pages * PAGE;
            start = (self.next + align - 1) & !(align - 1);
        }
        self.next = start + size;
        start as *mut u8
    }
}

unsafe impl GlobalAlloc for SizeClassAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let state = &mut *self.0.get();
        let class = class_of(&layout);
        // `get_mut`, not indexing: no bounds-check panic path in the allocator.
        let Some(head) = state.free.get_mut(class as usize) else {
            return null_mut();
        };
        if *head != 0 && layout.align() <= BLOCK_ALIGN {
            let block = *head;
            // SAFETY: a free block's first word holds the next free block.
            *head = *(block as *const usize);
            return block as *mut u8;
        }
        state.bump(1 << class, layout.align().max(BLOCK_ALIGN))
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.align() > BLOCK_ALIGN {
            return;
        }
        let state = &mut *self.0.get();
        if let Some(head) = state.free.get_mut(class_of(&layout) as usize) {
            *(ptr as *mut usize) = *head;
            *head = ptr as usize;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        if class_of(&new_layout) == class_of(&layout) {
            return ptr; // still fits its block
        }
        let new_ptr = self.alloc(new_layout);
        if !new_ptr.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new_ptr, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new_ptr
    }
}
