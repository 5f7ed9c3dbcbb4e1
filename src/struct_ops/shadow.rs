//! Caller-described struct_ops shadows (oxbpf's shadow-info ABI).
//!
//! Without a description, `bpf_map__initial_value()` of a struct_ops map returns the object's own
//! shadow, laid out as the object's BTF type (what bpftool >= 7.4 skeletons expect). A C program
//! whose idea of the struct differs (members at other offsets, members left out) passes
//! `bpf_object_open_opts.struct_ops_shadow`: per map, the members it wants by name with their
//! offset and size in its own struct, and that struct's size. Then:
//! * at open, each described map gets a separate `data_size` buffer ([`UserShadow`]), filled
//!   member by member from the object's shadow (function members hold `struct bpf_program *`),
//!   and `bpf_map__initial_value()` returns it;
//! * at load, before the kernel value is built, each described member is copied back by name
//!   into the object's shadow, so edits made through the caller's struct reach the kernel.
//!
//! A description is checked twice: on its own when the options are read (names present, members
//! inside `data_size`, no duplicates or overlaps: [`ShadowMapDesc::validate`]), and against the
//! object at open (the map exists and is a struct_ops map, each member exists in its BTF type,
//! is not a bitfield, and has the BTF member's size). Every failure is `-EINVAL` with a message
//! naming the map and member.

use crate::error::{Error, Result};
use crate::object::st_state::{ShadowMapDesc, ShadowMember, UserShadow};
use crate::object::Object;
use crate::sys::mmap::Region;

/// Upper bounds that keep a hostile description from costing much: BTF structs have at most
/// 0xffff members, and a shadow beyond 1 MiB is not a struct_ops struct.
pub const MAX_MEMBERS: usize = 0xffff;
pub const MAX_DATA_SIZE: u32 = 1 << 20;
pub const MAX_MAPS: usize = 4096;

impl ShadowMapDesc {
    /// Checks that need no object: a name, `data_size` in range, every member named, inside
    /// `data_size`, not empty, named once, not overlapping another.
    pub fn validate(&self) -> Result<()> {
        let map = &self.name;
        if map.is_empty() {
            return Err(Error::inval("struct_ops shadow info: map with an empty name"));
        }
        if self.data_size == 0 || self.data_size > MAX_DATA_SIZE {
            return Err(Error::inval(format!(
                "struct_ops shadow info: map '{map}': data_size {} is out of range (1..={MAX_DATA_SIZE})",
                self.data_size
            )));
        }
        if self.members.len() > MAX_MEMBERS {
            return Err(Error::inval(format!(
                "struct_ops shadow info: map '{map}': {} members is too many",
                self.members.len()
            )));
        }
        for (i, m) in self.members.iter().enumerate() {
            if m.name.is_empty() {
                return Err(Error::inval(format!(
                    "struct_ops shadow info: map '{map}': member #{i} has an empty name"
                )));
            }
            if m.size == 0 {
                return Err(Error::inval(format!(
                    "struct_ops shadow info: map '{map}': member '{}' has size 0",
                    m.name
                )));
            }
            let end = m.offset as u64 + m.size as u64;
            if end > self.data_size as u64 {
                return Err(Error::inval(format!(
                    "struct_ops shadow info: map '{map}': member '{}' at offset {} size {} ends past data_size {}",
                    m.name, m.offset, m.size, self.data_size
                )));
            }
        }
        let mut by_off: Vec<&ShadowMember> = self.members.iter().collect();
        by_off.sort_by_key(|m| (m.offset, m.size));
        for w in by_off.windows(2) {
            if w[0].offset as u64 + w[0].size as u64 > w[1].offset as u64 {
                return Err(Error::inval(format!(
                    "struct_ops shadow info: map '{map}': members '{}' and '{}' overlap",
                    w[0].name, w[1].name
                )));
            }
        }
        let mut names: Vec<&str> = self.members.iter().map(|m| m.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::inval(format!(
                "struct_ops shadow info: map '{map}': member '{}' is described twice",
                w[0]
            )));
        }
        Ok(())
    }
}

/// Validate a whole description (each map on its own, no map described twice).
pub fn validate_all(maps: &[ShadowMapDesc]) -> Result<()> {
    if maps.len() > MAX_MAPS {
        return Err(Error::inval(format!("struct_ops shadow info: {} maps is too many", maps.len())));
    }
    for m in maps {
        m.validate()?;
    }
    let mut names: Vec<&str> = maps.iter().map(|m| m.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::inval(format!("struct_ops shadow info: map '{}' is described twice", w[0])));
    }
    Ok(())
}

impl Object {
    /// At open, after struct_ops relocations filled the object's shadows: build the described
    /// maps' caller-layout shadows (see the module docs). No description: nothing to do.
    pub(crate) fn init_user_shadows(&mut self) -> Result<()> {
        let Some(descs) = self.opts.struct_ops_shadow.clone() else { return Ok(()) };
        let btf = self.btf.as_deref();
        let mut built = Vec::with_capacity(descs.len());
        for d in &descs {
            let map = &d.name;
            let idx = self.find_map(map).ok_or_else(|| {
                Error::inval(format!(
                    "struct_ops shadow info: map '{map}' is not in object '{}'",
                    self.name.to_string_lossy()
                ))
            })?;
            let m = self.maps.get(idx).ok_or_else(|| Error::inval("map vanished"))?;
            let st = m
                .st_ops
                .as_ref()
                .ok_or_else(|| Error::inval(format!("struct_ops shadow info: map '{map}' is not a struct_ops map")))?;
            let btf = btf.ok_or_else(|| Error::inval("struct_ops shadow info: object has no BTF"))?;
            let t = btf
                .ty(st.type_id)
                .ok_or_else(|| Error::inval(format!("struct_ops shadow info: map '{map}': type vanished")))?;
            let tsize = t.size_or_type as usize;
            let members: Vec<_> = t.members().map(|ms| ms.iter().collect()).unwrap_or_default();
            let shadow = st.data.read(tsize);
            let mut region = Region::new(d.data_size as usize)?;
            let mut layout = Vec::with_capacity(d.members.len());
            for dm in &d.members {
                let bm = members.iter().find(|bm| bm.name == dm.name).ok_or_else(|| {
                    Error::inval(format!(
                        "struct_ops shadow info: map '{map}': struct {} has no member '{}'",
                        t.name, dm.name
                    ))
                })?;
                if bm.bitfield_size != 0 {
                    return Err(Error::inval(format!(
                        "struct_ops shadow info: map '{map}': member '{}' is a bitfield and can't be described",
                        dm.name
                    )));
                }
                let bsize = btf.resolve_size(bm.type_id).map_err(|e| {
                    e.context(format!("struct_ops shadow info: map '{map}': can't size member '{}'", dm.name))
                })? as usize;
                if bsize != dm.size as usize {
                    return Err(Error::inval(format!(
                        "struct_ops shadow info: map '{map}': member '{}' has size {} but {} in the object's BTF",
                        dm.name, dm.size, bsize
                    )));
                }
                let boff = (bm.bit_offset / 8) as usize;
                let bytes = shadow.get(boff..boff + bsize).ok_or_else(|| {
                    Error::inval(format!(
                        "struct_ops shadow info: map '{map}': member '{}' lies outside struct {}",
                        dm.name, t.name
                    ))
                })?;
                region.write(dm.offset as usize, bytes)?;
                layout.push((dm.offset as usize, boff, bsize));
            }
            crate::pr_debug!(
                "struct_ops shadow info: map '{}': {} of {} members described, {} bytes",
                map,
                layout.len(),
                members.len(),
                d.data_size
            );
            built.push((idx, UserShadow { data: region, size: d.data_size as usize, members: layout }));
        }
        for (idx, u) in built {
            if let Some(st) = self.maps.get_mut(idx).and_then(|m| m.st_ops.as_mut()) {
                st.user = Some(u);
            }
        }
        Ok(())
    }

    /// At load, before kernel values are built: copy every described member from the caller's
    /// shadow back into the object's shadow.
    pub(crate) fn sync_user_shadows(&mut self) -> Result<()> {
        for m in self.maps.iter_mut() {
            let Some(st) = m.st_ops.as_mut() else { continue };
            let Some(u) = st.user.as_ref() else { continue };
            let user = u.data.read(u.size);
            for &(uoff, boff, size) in &u.members {
                let bytes = user
                    .get(uoff..uoff + size)
                    .ok_or_else(|| Error::inval("struct_ops shadow info: member out of range"))?;
                st.data.write(boff, bytes)?;
            }
        }
        Ok(())
    }
}
