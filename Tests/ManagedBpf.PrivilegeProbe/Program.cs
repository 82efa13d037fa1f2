using ManagedBpf.Kernel;
using ManagedBpf.Maps;

// Tries one privileged operation and prints what happened: exit 0 when it worked, 3 on EPERM (with the
// exception's message on stdout), 4 on any other failure.
try
{
    var what = args.Length > 0 ? args[0] : "map";
    if (what == "probe")
    {
        Console.WriteLine(FeatureProbe.HasMapType(BpfMapType.RINGBUF));
    }
    else
    {
        using var map = Map.Create(new MapSpec { Name = "probe", Type = BpfMapType.HASH, KeySize = 4, ValueSize = 4, MaxEntries = 1 });
        Console.WriteLine("created");
    }
    return 0;
}
catch (BpfSyscallException e)
{
    Console.WriteLine(e.Message);
    return e.Errno == Errno.EPERM ? 3 : 4;
}
