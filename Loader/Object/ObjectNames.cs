namespace ManagedBpf.Loader;

/// <summary>
/// Programs and maps are found by name (relocations, initial values, <see cref="Collection"/>), so two of
/// a kind with one name would make one unreachable, and its descriptor with it.
/// </summary>
internal static class ObjectNames
{
    /// <exception cref="BpfObjectFormatException">Two programs, or two maps, share a name.</exception>
    internal static void RequireUnique(IEnumerable<ObjectProgram> programs, IEnumerable<ObjectMap> maps)
    {
        if (programs.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } program)
        {
            throw new BpfObjectFormatException(
                $"Two programs are named '{program.Key}' (sections {string.Join(" and ", program.Select(p => $"'{p.SectionName}'"))}): programs are found by name, so rename one.",
                program.First().SectionName, null);
        }
        if (maps.GroupBy(m => m.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } map)
        {
            throw new BpfObjectFormatException(
                $"Two maps are named '{map.Key}' (defined in sections {string.Join(" and ", map.Select(m => $"'{m.SectionName}'"))}): maps are found by name "
                + "(a data section's map by its section name), so rename one.",
                map.First().SectionName, null);
        }
    }
}
