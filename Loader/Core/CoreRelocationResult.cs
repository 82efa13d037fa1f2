using System.Globalization;
using System.Text;
using ManagedBpf.Loader.Btf;

namespace ManagedBpf.Loader.Core;

/// <summary>
/// One applied CO-RE relocation: what it asked, what the target answered, and what was written. Values are as libbpf
/// computes them (u64; the instruction receives the low 32 bits for ALU immediates, 16 for offsets).
/// </summary>
public sealed record CoreRelocationResult
{
    /// <summary>The ELF section holding the instruction, such as <c>tp_btf/sched_switch</c>.</summary>
    public required string Section { get; init; }

    /// <summary>The instruction index in <see cref="Section"/> (<see cref="BpfCoreRelo.InsnIndex"/>).</summary>
    public required int InstructionIndex { get; init; }

    /// <summary>The relocation kind.</summary>
    public required BpfCoreReloKind Kind { get; init; }

    /// <summary>The root type in the object's BTF (<see cref="BpfCoreRelo.TypeId"/>).</summary>
    public required uint LocalTypeId { get; init; }

    /// <summary>The root type's name, such as <c>task_struct___pre_5_14</c> (empty when anonymous).</summary>
    public required string LocalTypeName { get; init; }

    /// <summary>The access string, such as <c>"0:92"</c>.</summary>
    public required string AccessString { get; init; }

    /// <summary>The local spec as libbpf logs it: <c>[13] struct task_struct.pid (0:92 @ offset 1264)</c>.</summary>
    public required string LocalSpec { get; init; }

    /// <summary>The BTF of the matched candidate (vmlinux or a module), or null when none matched or none was needed (TYPE_ID_LOCAL).</summary>
    public BtfSpec? TargetBtf { get; init; }

    /// <summary>The matched candidate's type id in <see cref="TargetBtf"/>, or null.</summary>
    public uint? TargetTypeId { get; init; }

    /// <summary>The matched candidate's name, such as <c>task_struct</c>, or null.</summary>
    public string? TargetTypeName { get; init; }

    /// <summary>The matched candidate's spec as libbpf logs it, or null.</summary>
    public string? TargetSpec { get; init; }

    /// <summary>The value the local BTF gives (libbpf's <c>orig_val</c>): what the compiler should have written.</summary>
    public required ulong LocalValue { get; init; }

    /// <summary>The value the target gives (libbpf's <c>new_val</c>), written to the instruction; 0 when poisoned.</summary>
    public required ulong TargetValue { get; init; }

    /// <summary>The value the instruction held before patching (immediate, offset or 64-bit immediate), or null when it was poisoned.</summary>
    public ulong? InstructionValue { get; init; }

    /// <summary>Whether <see cref="InstructionValue"/> was required to equal <see cref="LocalValue"/> (not for bitfield offsets and sizes, shifts, type ids).</summary>
    public required bool Validated { get; init; }

    /// <summary>Whether the instruction was replaced by <c>call 0xbad2310</c> (both halves for a 64-bit immediate load).</summary>
    public required bool Poisoned { get; init; }

    /// <summary>Why the instruction was poisoned, or null.</summary>
    public string? PoisonReason { get; init; }

    /// <summary>
    /// One line for logs and <c>mbpf inspect</c>, in libbpf's vocabulary:
    /// <c>tp_btf/sched_switch insn #8 &lt;byte_off&gt; [13] struct task_struct.pid (0:92 @ offset 1264) => [114] struct task_struct.pid (0:92 @ offset 1264): 1264 -> 1264</c>.
    /// </summary>
    public string Description
    {
        get
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"{Section} insn #{InstructionIndex} <{CoreReloKinds.Name(Kind)}> {LocalSpec} => ");
            text.Append(TargetSpec ?? (Kind == BpfCoreReloKind.TYPE_ID_LOCAL ? "local" : "no match"));
            if (Poisoned)
            {
                text.Append(CultureInfo.InvariantCulture, $": poisoned (call 0x{CoreInstructionPatcher.PoisonHelperId:x}): {PoisonReason}");
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $": {InstructionValue ?? LocalValue} -> {TargetValue}");
            }

            return text.ToString();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Description;
}
