using System.Runtime.InteropServices;
using ManagedBpf.TestSupport;

namespace ManagedBpf.Loader.Tests;

[Collection(DescriptorCounting.Collection)]
public sealed class AttachAllTests
{
    [KernelFact]
    public void Attaches_what_sections_name_and_says_why_it_skips_the_rest()
    {
        var before = OpenDescriptors.Count();
        using (var collection = ObjectSpec.Open(Path.Combine(Fixtures.Directory, "tracing.bpf.o")).Load())
        using (var attachment = collection.AttachAll())
        {
            var attached = attachment.Results.Where(r => r.Link is not null).Select(r => r.Program.Name).ToList();
            Assert.Contains("tracepoint_execve", attached);
            Assert.Contains("raw_tp_switch", attached);
            var skipped = Assert.Single(attachment.Results, r => r.Program.Name == "perf_sample");
            Assert.Null(skipped.Link);
            Assert.False(string.IsNullOrWhiteSpace(skipped.SkipReason));
        }
        Assert.Equal(before, OpenDescriptors.Count());
    }

    [KernelFact]
    public void Uprobes_attach_to_a_library_function_by_name()
    {
        var spec = ObjectSpec.Open(Path.Combine(Fixtures.Directory, "attach_counters.bpf.o"));
        using var collection = spec.Load();
        var uprobe = collection.Programs.Values.First(p => p.SectionName.StartsWith("uprobe", StringComparison.Ordinal));
        using var link = uprobe.AttachUprobe("libc.so.6", "getppid");
        Assert.NotNull(link);
        Assert.Throws<KeyNotFoundException>(() => uprobe.AttachUprobe("libc.so.6", "no_such_function_in_libc"));
    }
}

