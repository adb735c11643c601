package org.otherworld.vmtest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.otherworld.vmtest.capture.Capture;
import org.otherworld.vmtest.guest.GuestBuilder;
import org.otherworld.vmtest.guest.GuestImage;
import org.otherworld.vmtest.guest.GuestKernel;
import org.otherworld.vmtest.trial.Fault;
import org.otherworld.vmtest.trial.Trial;
import org.otherworld.vmtest.trial.Workload;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vm-test}: the VM trial harness (fronted by {@code ./otherworld}). */
@Command(name = "vm-test", mixinStandardHelpOptions = true, version = "otherworld vm-test 0.1",
        description = "Boot, crash and resurrect real Linux guests under QEMU.",
        subcommands = {Main.BuildGuest.class, Main.CaptureCmd.class, Main.TrialCmd.class, Main.CriuReferenceCmd.class,
                Main.CampaignCmd.class, org.otherworld.vmtest.bench.BenchCmd.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, pr) -> {
            cmd.getErr().println("vm-test " + cmd.getCommandName() + ": " + ex.getMessage());
            return 1;
        });
        System.exit(cl.execute(args));
    }

    public static void progress(String s) {
        System.out.println("[" + java.time.LocalTime.now().withNano(0) + "] " + s);
        System.out.flush();
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /** Options shared by the commands that boot guests. */
    static class GuestOptions {
        @Option(names = "--accel", defaultValue = "${env:OTHERWORLD_ACCEL:-auto}",
                description = "kvm, tcg, or auto (probe KVM briefly, else TCG). Default: ${DEFAULT-VALUE}")
        String accel;
        @Option(names = "--memory", defaultValue = "1024", description = "Guest memory in MiB (default ${DEFAULT-VALUE}).")
        int memoryMiB;
        @Option(names = "--fault", defaultValue = "sysrq", description = "sysrq, oops or hang (default ${DEFAULT-VALUE}).")
        String fault;
        @Option(names = "--workload", description = "NAME=HOSTDIR: a user workload (its ./start before the crash, ./check after);"
                + " or the name of a built-in one (e.g. fpu, see docs/vm-test.md).")
        List<String> workloads = new ArrayList<>();
        @Option(names = "--kernel", defaultValue = "stock", description = "stock (Debian's cloud kernel) or patched"
                + " (kernel-patches/build.sh --full's build) for the main, crash and hand-over kernel. Default: ${DEFAULT-VALUE}")
        String kernel;
        @Option(names = "--no-demos", description = "Run only the --workload ones.")
        boolean noDemos;

        List<Workload> workloads() {
            List<Workload> all = new ArrayList<>();
            if (!noDemos) {
                all.addAll(Workload.demos());
                all.addAll(Workload.sdkDemos());
                all.addAll(Workload.channelDemos());
                all.addAll(Workload.fileDemos());
                all.addAll(Workload.memoryDemos());
            }
            for (String w : workloads) {
                int eq = w.indexOf('=');
                if (eq < 0 && Workload.builtin(w) != null) {
                    all.add(Workload.builtin(w));
                    continue;
                }
                if (eq <= 0) {
                    throw new CommandLine.ParameterException(new CommandLine(this), "--workload wants NAME=HOSTDIR or the name"
                            + " of a built-in workload (" + String.join(", ", Workload.builtinNames()) + "): " + w);
                }
                Path dir = Path.of(w.substring(eq + 1)).toAbsolutePath();
                for (String f : List.of("start", "check")) {
                    if (!java.nio.file.Files.isExecutable(dir.resolve(f))) {
                        throw new IllegalArgumentException("workload " + w.substring(0, eq) + ": " + dir.resolve(f) + " is not an executable file");
                    }
                }
                all.add(Workload.user(w.substring(0, eq), dir));
            }
            if (all.isEmpty()) {
                throw new IllegalArgumentException("no workloads: --no-demos needs at least one --workload");
            }
            return all;
        }
    }

    @Command(name = "build-guest", description = "Build (or find cached) the guest kernel, initramfs and data tree.")
    static final class BuildGuest implements Callable<Integer> {
        @Option(names = "--kernel", defaultValue = "stock", description = "stock or patched (default ${DEFAULT-VALUE}).")
        String kernel;

        @Override
        public Integer call() {
            GuestImage img = new GuestBuilder(Workspace.detect(), Main::progress, GuestKernel.parse(kernel)).build();
            progress("kernel " + img.vmlinuz() + "\ninitrd " + img.initrd() + "\ndata   " + img.dataStaging());
            return 0;
        }
    }

    @Command(name = "capture", description = "Crash a guest running workloads and save its vmcore with ground truth.")
    static final class CaptureCmd extends GuestOptions implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "Directory for vmcore, groundtruth.json, capture.json, console.log.")
        Path out;

        @Override
        public Integer call() {
            new Capture(Workspace.detect(), Main::progress).run(new Capture.Options(out, memoryMiB, accel,
                    Fault.parse(fault), workloads(), GuestKernel.parse(kernel)));
            return 0;
        }
    }

    @Command(name = "criu-reference", description = "criu dump the workloads on a live guest and copy the images out.")
    static final class CriuReferenceCmd extends GuestOptions implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "Directory for one image set per workload.")
        Path out;

        @Override
        public Integer call() {
            Map<String, Object> r = new org.otherworld.vmtest.capture.CriuReference(Workspace.detect(), Main::progress)
                    .run(out, memoryMiB, accel, workloads());
            return r.values().stream().allMatch(v -> Long.valueOf(0).equals(((Map<?, ?>) v).get("exit"))) ? 0 : 1;
        }
    }

    @Command(name = "trial", description = "A full crash-and-resurrect trial; writes report.json, summary.txt, console.log.")
    static final class TrialCmd extends GuestOptions implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "out/trial", description = "Report directory (default ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--keep-disks", description = "Keep the guest's data disk image (data.img) for inspection.")
        boolean keepDisks;

        @Override
        public Integer call() {
            Map<String, Object> r = new Trial(Workspace.detect(), Main::progress).run(new Trial.Options(out, memoryMiB, accel,
                    Fault.parse(fault), workloads(), keepDisks, null, GuestKernel.parse(kernel)));
            progress("report: " + out.resolve("report.json"));
            return "pass".equals(r.get("verdict")) ? 0 : 1;
        }
    }

    @Command(name = "campaign", description = "Fault-injection campaign: many trials with seeded faults; results.jsonl, report.md, outcomes.png.")
    static final class CampaignCmd implements Callable<Integer> {
        @Option(names = "--runs", description = "Number of runs (default 14; with --resume: the campaign's own count).")
        Integer runs;
        @Option(names = "--types", split = ",", description = "Fault types, comma-separated, or all (default): "
                + "stack, branch, insn, regflip, randwrite, null, deadlock, offbyone, overrun, gdb-reg, gdb-mem, softlockup, hardlockup, hung.")
        List<String> types = new ArrayList<>();
        @Option(names = "--seed", defaultValue = "1", description = "Campaign seed (default ${DEFAULT-VALUE}).")
        long seed;
        @Option(names = "--parallel", defaultValue = "1", description = "Guests at a time (default ${DEFAULT-VALUE}).")
        int parallel;
        @Option(names = "--run-timeout", defaultValue = "900", description = "Bound on one run in seconds (default ${DEFAULT-VALUE}).")
        long runTimeoutSeconds;
        @Option(names = "--out", defaultValue = "out/campaign", description = "Campaign directory (default ${DEFAULT-VALUE}).")
        Path out;
        @Option(names = "--report-only", description = "Only regenerate report.md and the chart from results.jsonl (with the parameters in campaign.json when OUT holds one).")
        boolean reportOnly;
        @Option(names = "--reclassify", description = "With --report-only: classify every recorded run again from its evidence first.")
        boolean reclassify;
        @Option(names = "--accel", defaultValue = "${env:OTHERWORLD_ACCEL:-auto}", description = "kvm, tcg or auto (default ${DEFAULT-VALUE}).")
        String accel;
        @Option(names = "--memory", defaultValue = "1024", description = "Guest memory in MiB (default ${DEFAULT-VALUE}).")
        int memoryMiB;
        @Option(names = "--workloads", split = ",", description = "Workloads, comma-separated (default: shell-loop, mtworker, "
                + "jvm-counter; also journal, sessions, kvstore).")
        List<String> workloads = new ArrayList<>();
        @Option(names = "--keep-vmcore", description = "The crash kernel copies /proc/vmcore to a sparse second disk before "
                + "resurrecting; it is kept as runs/ID/vmcore for failed runs only (costs time and up to memory-size disk per failure).")
        boolean keepVmcore;
        @Option(names = "--vm-slots", defaultValue = "${env:OW_VM_SLOTS:-0}", description = "Take one of this machine's N VM "
                + "slots (flock on /tmp/ow-vmslot-I.lock, as the vmslot script) per guest; 0 = do not (default ${DEFAULT-VALUE}).")
        int vmSlots;
        @Option(names = "--resume", description = "Continue the campaign in --out with the seed, fault types, workloads, "
                + "memory and --keep-vmcore it was started with (from its campaign.json); --runs may raise the count.")
        boolean resume;

        static List<Workload> workloads(List<String> names) {
            if (names.isEmpty()) {
                return Workload.demos();
            }
            List<Workload> known = new ArrayList<>(Workload.demos());
            known.addAll(Workload.sdkDemos());
            known.addAll(Workload.channelDemos());
            known.addAll(Workload.fileDemos());
            known.addAll(Workload.memoryDemos());
            List<Workload> out = new ArrayList<>();
            for (String n : names) {
                out.add(known.stream().filter(w -> w.name().equals(n.strip())).findFirst().orElseThrow(() ->
                        new IllegalArgumentException("unknown workload '" + n + "' (" + String.join(", ",
                                known.stream().map(Workload::name).toList()) + ")")));
            }
            return out;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Integer call() {
            Map<String, Object> stored = org.otherworld.vmtest.campaign.Campaign.storedParams(out);
            if (resume || (reportOnly && stored != null)) {
                // --report-only describes the campaign in OUT as it was started, not this command's defaults
                Map<String, Object> p = stored;
                if (p == null) {
                    throw new IllegalArgumentException("--resume: " + out + " holds no campaign (no "
                            + org.otherworld.vmtest.campaign.Campaign.PARAMS + ")");
                }
                seed = ((Number) p.get("seed")).longValue();
                types = new ArrayList<>((List<String>) p.get("types"));
                workloads = new ArrayList<>((List<String>) p.get("workloads"));
                memoryMiB = ((Number) p.get("memory_mib")).intValue();
                keepVmcore = Boolean.TRUE.equals(p.get("keep_vmcore"));
                int planned = ((Number) p.get("runs")).intValue();
                runs = runs == null ? planned : Math.max(runs, planned);
                if (resume) {
                    progress("resuming " + out + ": seed " + seed + ", " + runs + " runs, types " + types + ", workloads "
                            + workloads);
                }
            }
            if (runs == null) {
                runs = 14;
            }
            org.otherworld.vmtest.campaign.Campaign.Options o = new org.otherworld.vmtest.campaign.Campaign.Options(out, runs,
                    org.otherworld.vmtest.campaign.FaultType.parseList(types), seed, parallel,
                    java.time.Duration.ofSeconds(runTimeoutSeconds), memoryMiB, accel, workloads(workloads), keepVmcore, vmSlots);
            org.otherworld.vmtest.campaign.Campaign c = new org.otherworld.vmtest.campaign.Campaign(Workspace.detect(), Main::progress);
            if (reportOnly) {
                if (reclassify) {
                    c.reclassify(o);
                }
                c.writeReport(o, new org.otherworld.vmtest.campaign.ResultsFile(out.resolve("results.jsonl")));
            } else {
                c.run(o);
            }
            progress("report: " + out.resolve("report.md"));
            return 0;
        }
    }
}
