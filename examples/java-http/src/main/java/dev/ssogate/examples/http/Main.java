package dev.ssogate.examples.http;

import com.sun.net.httpserver.HttpServer;
import dev.ssogate.Gate;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * Serves the login endpoints for connections saved in a SQLite gate (the dashboard's admin pages, or the
 * ssogate CLI, save them):
 *
 * <pre>java -Djava.library.path=/usr/lib/x86_64-linux-gnu -cp ssogate.jar:java-http.jar \
 *     dev.ssogate.examples.http.Main sqlite:/var/lib/app/ssogate.db 127.0.0.1 8080</pre>
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        String db = args.length > 0 ? args[0] : "sqlite:ssogate.db";
        String host = args.length > 1 ? args[1] : "127.0.0.1";
        int port = args.length > 2 ? Integer.parseInt(args[2]) : 8080;
        Gate gate = Gate.open(db);
        gate.checkStores();
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        new SsoEndpoints(gate, false, Map.of()).register(server);
        server.start();
        System.err.println("listening on http://" + host + ":" + server.getAddress().getPort());
    }
}
