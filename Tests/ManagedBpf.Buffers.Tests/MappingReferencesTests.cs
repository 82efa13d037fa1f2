namespace ManagedBpf.Buffers.Tests;

/// <summary>The one reference count a reader's reads take on all of its mappings.</summary>
public sealed class MappingReferencesTests
{
    [Fact]
    public void Dispose_with_no_reference_held_unmaps_at_once()
    {
        var mappings = new[] { new CountingMapping(), new CountingMapping() };
        var references = new MappingReferences(mappings, "reader");
        references.AddRef();
        references.Release();
        Assert.All(mappings, m => Assert.Equal(0, m.Disposals));
        references.Dispose();
        Assert.All(mappings, m => Assert.Equal(1, m.Disposals));
    }

    [Fact]
    public void Dispose_during_a_read_unmaps_when_the_last_reference_is_given_back()
    {
        var mapping = new CountingMapping();
        var references = new MappingReferences([mapping], "reader");
        references.AddRef();
        references.AddRef();
        references.Dispose();
        references.Release();
        Assert.Equal(0, mapping.Disposals);
        references.Release();
        Assert.Equal(1, mapping.Disposals);
    }

    [Fact]
    public void A_reference_asked_for_after_dispose_is_refused_and_takes_nothing()
    {
        var mapping = new CountingMapping();
        var references = new MappingReferences([mapping], "reader 'r'");
        references.AddRef();
        references.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(references.AddRef);
        Assert.Contains("reader 'r'", e.Message);
        Assert.Equal(0, mapping.Disposals); // the read in progress still holds its reference
        references.Release();
        Assert.Equal(1, mapping.Disposals);
    }

    [Fact]
    public void A_second_dispose_changes_nothing()
    {
        var mapping = new CountingMapping();
        var references = new MappingReferences([mapping], "reader");
        references.AddRef();
        references.Dispose();
        references.Dispose(); // must not clear the disposed mark (it is the count's sign bit)
        Assert.Throws<ObjectDisposedException>(references.AddRef);
        Assert.False(references.Unmapped);
        references.Release();
        Assert.True(references.Unmapped);
        Assert.Equal(1, mapping.Disposals);
        references.Dispose();
        Assert.Equal(1, mapping.Disposals);
    }

    [Fact]
    public async Task References_taken_and_given_back_on_many_threads_unmap_exactly_once_after_dispose()
    {
        var mapping = new CountingMapping();
        var references = new MappingReferences([mapping], "reader");
        using var start = new Barrier(4);
        using var running = new CountdownEvent(4);
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = 0; ; i++) // until refused: Dispose comes once all four are running
            {
                if (i == 1_000)
                    running.Signal(); // all four are taking references when Dispose runs
                try
                {
                    references.AddRef();
                }
                catch (ObjectDisposedException)
                {
                    return i;
                }
                Assert.Equal(0, mapping.Disposals); // never unmapped under a reference
                references.Release();
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        try
        {
            Assert.True(running.Wait(TimeSpan.FromSeconds(20)));
        }
        finally
        {
            references.Dispose(); // also ends the readers if the wait failed
        }
        var taken = await Task.WhenAll(readers);
        Assert.All(taken, n => Assert.True(n >= 1_000));
        Assert.Equal(1, mapping.Disposals);
    }

    private sealed class CountingMapping : IDisposable
    {
        private int _disposals;

        public int Disposals => Volatile.Read(ref _disposals);

        public void Dispose() => Interlocked.Increment(ref _disposals);
    }
}
