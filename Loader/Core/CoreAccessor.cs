namespace ManagedBpf.Loader.Core;

/// <summary>
/// One high-level step of a CO-RE spec, libbpf's <c>struct bpf_core_accessor</c>: a named member of a struct or union
/// (<paramref name="TypeId"/> is the composite, <paramref name="Index"/> the member), an array element or the root's
/// implicit element (<paramref name="TypeId"/> is the element type, <paramref name="Index"/> the element, no name), or
/// for enum-value relocations the enumerator (<paramref name="TypeId"/> is the enum).
/// </summary>
/// <param name="TypeId">The struct/union, array element or enum type id, modifiers and typedefs skipped.</param>
/// <param name="Index">The member, element or enumerator index.</param>
/// <param name="Name">The member or enumerator name; null for an array element.</param>
internal readonly record struct CoreAccessor(uint TypeId, int Index, string? Name);
