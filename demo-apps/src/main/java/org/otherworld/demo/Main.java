package org.otherworld.demo;

import java.util.Arrays;

/** Entry point of the demo applications: {@code java -cp otherworld-demos.jar org.otherworld.demo.Main NAME [ARGS]}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: Main counter|kvstore|kvstore-client|kvstore-check|sessions|sessions-client"
                    + "|sessions-check|kvstore-hold|sessions-hold|hold-check|journal|journal-check [args]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "counter":
                Counter.main(rest);
                break;
            case "kvstore":
                KvStoreApp.main(rest);
                break;
            case "kvstore-client":
                KvClientTool.clientMain(rest);
                break;
            case "kvstore-check":
                KvClientTool.checkMain(rest);
                break;
            case "sessions":
                SessionsApp.main(rest);
                break;
            case "sessions-client":
                SessionClientTool.clientMain(rest);
                break;
            case "sessions-check":
                SessionClientTool.checkMain(rest);
                break;
            case "kvstore-hold":
                HoldClient.holdMain("kvstore", rest);
                break;
            case "sessions-hold":
                HoldClient.holdMain("sessions", rest);
                break;
            case "hold-check":
                HoldClient.checkMain(rest);
                break;
            case "journal":
                JournalApp.main(rest);
                break;
            case "journal-check":
                JournalApp.checkMain(rest);
                break;
            default:
                System.err.println("unknown demo: " + args[0]);
                System.exit(2);
        }
    }
}
