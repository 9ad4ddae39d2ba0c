// For kernels that use subgroup operations (the adapter's `subgroups` feature): the extension, and
// the uniformity analysis's subgroup check turned off — the kernels call subgroupShuffle in loops
// bounded by subgroup_size, which every lane of a subgroup shares, a uniformity WGSL's analysis
// (workgroup-wide) cannot see. Must come first in the module.
enable subgroups;
diagnostic(off, subgroup_uniformity);
