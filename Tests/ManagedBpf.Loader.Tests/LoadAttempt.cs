using System.Reflection;
using System.Xml.Linq;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests;

/// <summary>
/// Opens and loads an object against the kernel, disposes what loaded, and reports what was thrown; counts
/// the process's BPF descriptors (maps, programs, BTF, links: all the loader opens that can outlive a call).
/// They are counted straight from /proc/self/fd, without collecting garbage, so a descriptor only a
/// finalizer would close counts as leaked. Other kinds are not counted: the test host's own threads open
/// and close descriptors of their own meanwhile (seen: two, closed before they could be listed).
/// </summary>
internal static class LoadAttempt
{
    /// <summary>Takes the baseline: settles finalizers once, so earlier tests' garbage cannot close later.</summary>
    internal static int Baseline()
    {
        OpenDescriptors.Count();
        return OpenNow();
    }

    /// <summary>The BPF descriptors open now (anon_inode:bpf-map, bpf-prog, btf, bpf_link), without running finalizers.</summary>
    internal static int OpenNow() => Describe().Count;

    /// <summary>Each open BPF descriptor and what it is (its /proc/self/fd link target), to say what leaked.</summary>
    internal static Dictionary<string, string> Describe()
    {
        var result = new Dictionary<string, string>();
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && (target.StartsWith("anon_inode:bpf", StringComparison.Ordinal) || target.StartsWith("anon_inode:btf", StringComparison.Ordinal)))
                    result[Path.GetFileName(fd)] = target;
            }
            catch (IOException)
            {
                // closed meanwhile
            }
        }
        return result;
    }

    /// <summary>Parses <paramref name="image"/>, lets <paramref name="configure"/> change the spec, loads and disposes it.</summary>
    internal static Exception? Run(byte[] image, CollectionOptions options, Action<ObjectSpec>? configure = null)
    {
        try
        {
            var spec = ObjectSpec.Parse(image, "mutant");
            configure?.Invoke(spec);
            using var collection = spec.Load(options);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>The exception types documented on <see cref="ObjectSpec.Load"/> (from the Loader's XML documentation).</summary>
    internal static IReadOnlyList<Type> DocumentedByLoad { get; } = ReadDocumented();

    /// <summary>Whether <paramref name="e"/> is, or derives from, a type <see cref="ObjectSpec.Load"/> documents.</summary>
    internal static bool IsDocumented(Exception e) => DocumentedByLoad.Any(t => t.IsInstanceOfType(e));

    private static List<Type> ReadDocumented()
    {
        var assembly = typeof(ObjectSpec).Assembly;
        var xml = XDocument.Load(Path.ChangeExtension(assembly.Location, ".xml"));
        var member = xml.Descendants("member").Single(m => (string?)m.Attribute("name") == "M:ManagedBpf.Loader.ObjectSpec.Load(ManagedBpf.Loader.CollectionOptions)");
        var types = AppDomain.CurrentDomain.GetAssemblies().Append(assembly)
            .SelectMany(a => a.GetReferencedAssemblies().Select(Assembly.Load).Append(a)).Distinct().ToList();
        return [.. member.Elements("exception").Select(e => ((string)e.Attribute("cref")!)[2..])
            .Select(name => types.Select(a => a.GetType(name)).FirstOrDefault(t => t is not null) ?? throw new InvalidOperationException($"no type {name}"))];
    }
}
