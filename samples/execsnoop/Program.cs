// execsnoop: every exec on the machine, as libbpf-tools' execsnoop prints it. Needs root (or CAP_BPF, CAP_PERFMON and
// read access to tracefs). Ctrl-C stops it; so does a duration in seconds given as the first argument.
using System.Text;
using ExecsnoopSample;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
if (args.Length > 0)
    stop.CancelAfter(TimeSpan.FromSeconds(double.Parse(args[0])));

using var skel = Execsnoop.Open(); // the object, embedded in the generated class
skel.Load();
using var links = skel.AttachAll();
using var events = skel.OpenEvents();
Console.WriteLine($"{"PCOMM",-16} {"PID",-7} {"PPID",-7} {"RET",3} ARGS");
try
{
    await foreach (var e in events.ReadAllVariableAsync<Execsnoop.Event>(Execsnoop.Event.TailOffset, cancellationToken: stop.Token))
    {
        var argv = Encoding.UTF8.GetString(e.Tail.Span[..(int)e.Header.ArgsSize]).Replace('\0', ' ').TrimEnd();
        Console.WriteLine($"{e.Header.CommString,-16} {e.Header.Pid,-7} {e.Header.Ppid,-7} {e.Header.Retval,3} {argv}");
    }
}
catch (OperationCanceledException) { } // the end of a cancelled stream
