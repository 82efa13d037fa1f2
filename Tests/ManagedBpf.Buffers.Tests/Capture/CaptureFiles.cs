using System.Text.Json;
using ManagedBpf.Buffers.Capture;

namespace ManagedBpf.Buffers.Tests.Capture;

/// <summary>
/// The files of a captured ring snapshot in <c>fixtures/captures/</c>: <c>NAME.ring.bin</c> holds the data pages,
/// <c>NAME.json</c> the manifest (positions, size, and what the producer did: the records it committed, in order,
/// as hex, the records it discarded, and its failed reservations).
/// </summary>
internal sealed record RingManifest(string Scenario, string Description, ulong Size, ulong ConsumerPosition, ulong ProducerPosition,
    string[] Records, int Discarded, int FailedReservations)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    internal static string Directory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ManagedBpf.sln")))
                    return Path.Combine(dir.FullName, "fixtures", "captures");
            }

            throw new DirectoryNotFoundException("ManagedBpf.sln not found above the test assembly.");
        }
    }

    internal static IEnumerable<string> All() => System.IO.Directory.EnumerateFiles(Directory, "*.json").Where(f => !f.EndsWith(".perf.json", StringComparison.Ordinal)).Order();

    internal static (RingManifest Manifest, RingSnapshot Snapshot) Load(string manifestPath)
    {
        var manifest = JsonSerializer.Deserialize<RingManifest>(File.ReadAllText(manifestPath))
            ?? throw new InvalidDataException($"{manifestPath} is empty");
        var data = File.ReadAllBytes(Path.ChangeExtension(manifestPath, ".ring.bin"));
        var snapshot = new RingSnapshot(manifest.ConsumerPosition, manifest.ProducerPosition, data);
        Assert.Equal(manifest.Size, snapshot.Size);
        return (manifest, snapshot);
    }

    internal void Save(RingSnapshot snapshot)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, Scenario + ".json");
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
        File.WriteAllBytes(Path.ChangeExtension(path, ".ring.bin"), [.. snapshot.Data]);
    }
}
