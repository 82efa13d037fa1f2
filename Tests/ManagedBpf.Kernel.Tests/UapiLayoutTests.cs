using ManagedBpf.TestSupport;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using ManagedBpf.Kernel;
using ManagedBpf.Kernel.Abi;

namespace ManagedBpf.Kernel.Tests;

/// <summary>
/// Every struct that mirrors a uapi layout is checked against the C compiler's own answer: a C program
/// that prints offsetof and sizeof of each member, built against the installed kernel headers.
/// </summary>
public sealed class UapiLayoutTests
{
    private static readonly Type[] LayoutTypes = typeof(SafeFdHandle).Assembly.GetTypes()
        .Where(t => t.GetCustomAttribute<UapiLayoutAttribute>() is not null)
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToArray();

    [Fact]
    public void Every_attr_the_project_uses_is_checked()
    {
        var names = LayoutTypes.Select(t => t.Name).ToHashSet();
        foreach (var expected in new[] { "MapCreateAttr", "MapElemAttr", "MapBatchAttr", "ObjAttr", "InfoByFdAttr", "GetIdAttr", "ProgLoadAttr", "BtfLoadAttr", "ProgTestRunAttr", "LinkCreateAttr", "RawTracepointOpenAttr", "ProgAttachAttr", "MapFdAttr", "BpfMapInfo", "BpfProgInfo", "BpfLinkInfo", "PerfEventAttr" })
            Assert.Contains(expected, names);
    }

    [Fact]
    public void Field_offsets_and_sizes_match_the_kernel_headers()
    {
        var expected = new List<(string Key, long Offset, long Size)>();
        var program = new StringBuilder("""
            #include <stddef.h>
            #include <stdio.h>
            #include <linux/bpf.h>
            #include <linux/perf_event.h>
            #define M(key, type, member) printf("%s %zu %zu\n", key, offsetof(type, member), sizeof(((type *)0)->member))
            int main(void) {

            """);
        foreach (var type in LayoutTypes)
        {
            var layout = type.GetCustomAttribute<UapiLayoutAttribute>()!;
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                if (field.GetCustomAttribute<UapiSkipAttribute>() is not null)
                    continue;
                var key = $"{type.Name}.{field.Name}";
                expected.Add((key, Marshal.OffsetOf(type, field.Name), FieldSize(field)));
                program.Append($"    M(\"{key}\", {layout.CType}, {layout.MemberPrefix}{field.Name});\n");
            }
        }
        program.Append("    return 0;\n}\n");

        var actual = CompileAndRun(program.ToString())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(p => p[0], p => (Offset: long.Parse(p[1]), Size: long.Parse(p[2])));

        Assert.Equal(expected.Count, actual.Count);
        var mismatches = expected
            .Where(e => actual[e.Key] != (e.Offset, e.Size))
            .Select(e => $"{e.Key}: C# offset {e.Offset} size {e.Size}, C offset {actual[e.Key].Offset} size {actual[e.Key].Size}")
            .ToList();
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
    }

    private static long FieldSize(FieldInfo field)
    {
        // A fixed buffer is a compiler-generated struct holding FixedElementType × Length.
        var buffer = field.GetCustomAttribute<System.Runtime.CompilerServices.FixedBufferAttribute>();
        return buffer is null ? Marshal.SizeOf(field.FieldType) : Marshal.SizeOf(buffer.ElementType) * buffer.Length;
    }

    private static string CompileAndRun(string source)
    {
        var dir = Directory.CreateTempSubdirectory("managedbpf-uapi-");
        try
        {
            var c = Path.Combine(dir.FullName, "layout.c");
            var exe = Path.Combine(dir.FullName, "layout");
            File.WriteAllText(c, source);
            ExternalTool.Run("cc", $"-std=gnu11 -o {exe} {c}");
            return ExternalTool.Run(exe, "");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
