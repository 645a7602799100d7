# VM test of the ingress path: Traefik (services.traefik) running the generated static and dynamic
# configuration, with certificates issued by the generated CA script, in front of an HTTP backend
# that answers at the address the first plain-HTTP route points to.
#
# Three machines on the test network (192.168.1.0/24): `backend`, `traefik` and `client`. The
# client sends from an address inside the lab's first IPv4 allow-list range (whatever LAN the lab
# admits), so Traefik's ipAllowList lets it through as it would a machine of that LAN.
{
  lib,
  pkgs,
  outDir,
  lab,
}:
let
  # generator/resolve/model.ts: IngressModel.routes (sorted by name), RouteModel.backend =
  # "http://<instance ip>:<port>", CaModel.files = absolute paths inside the CA directory.
  route = lib.findFirst (r: r.scheme == "http") null lab.model.ingress.routes;
  backendUrl = builtins.match "http://([0-9.]+):([0-9]+)/?" route.backend;
  backendIp = builtins.elemAt backendUrl 0;
  backendPort = lib.toInt (builtins.elemAt backendUrl 1);

  caFiles = lab.model.ca.files;
  # ca.sh writes where LABGEN_CA_DIR says; the file names are those of the model's paths.
  caDir = "/root/labgen-ca";
  caFile = path: "${caDir}/${baseNameOf path}";

  # An address inside the first IPv4 range of the allow-list: the network address plus 77 (clear
  # of the test nodes' 192.168.1.1-3) when the range has room (78 if that is the backend's), plus
  # 1 for a small range, or the address itself for a /31 or /32.
  allowV4 = lib.findFirst (cidr: builtins.match "[0-9.]+/[0-9]+" cidr != null) null lab.model.ingress.allow;
  allowParts = builtins.match "([0-9]+)[.]([0-9]+)[.]([0-9]+)[.]([0-9]+)/([0-9]+)" allowV4;
  octet = n: lib.toInt (builtins.elemAt allowParts n);
  prefix = octet 4;
  addressPlus =
    offset: "${toString (octet 0)}.${toString (octet 1)}.${toString (octet 2)}.${toString (octet 3 + offset)}";
  firstChoice = addressPlus (if prefix <= 25 then 77 else if prefix <= 30 then 1 else 0);
  # Never the backend's own address (an allow-list range may contain the instances' bridge).
  clientIp = if firstChoice == backendIp && prefix <= 25 then addressPlus 78 else firstChoice;

  staticConfig = outDir + "/traefik/traefik.yml";
  marker = "labgen ingress test backend";
in
assert lib.assertMsg (route != null) "nix/checks/ingress.nix: out/lab.json has no route with scheme http";
assert lib.assertMsg (backendUrl != null) "nix/checks/ingress.nix: unexpected backend URL ${route.backend}";
assert lib.assertMsg (allowParts != null) "nix/checks/ingress.nix: the ingress allow-list has no IPv4 range";
pkgs.testers.runNixOSTest {
  name = "labgen-ingress";

  nodes = {
    backend =
      { pkgs, ... }:
      {
        networking.firewall.allowedTCPPorts = [ backendPort ];
        systemd.services.labgen-test-backend = {
          wantedBy = [ "multi-user.target" ];
          serviceConfig.ExecStart = "${pkgs.python3}/bin/python3 -m http.server ${toString backendPort} --bind 0.0.0.0 --directory ${pkgs.writeTextDir "index.html" "${marker}\n"}";
        };
      };

    traefik =
      { pkgs, ... }:
      {
        services.traefik.enable = true;
        # The generated static config, as is. (`staticConfigFile` is the long-standing option name;
        # the 2026 module refactors keep it as a renamed alias of static.file / install.file.)
        services.traefik.staticConfigFile = staticConfig;
        # Not at boot: the file provider's directory and the certificate paths are only filled in by
        # the test script below (their names are read from the generated files there), and Traefik
        # should see them from its first start.
        systemd.services.traefik.wantedBy = lib.mkForce [ ];

        # The generated files whose contents are placed at the paths the configuration names
        # (under /etc/traefik/...) by the test script.
        environment.etc."labgen-test/dynamic.yml".source = outDir + "/traefik/dynamic.yml";
        environment.etc."labgen-test/ca".source = outDir + "/ca";

        environment.systemPackages = [
          pkgs.openssl # ca.sh
          pkgs.yq-go # reads the paths out of the generated YAML
          pkgs.curl
        ];
        networking.firewall.allowedTCPPorts = [
          80
          443
        ];
      };

    client =
      { pkgs, ... }:
      {
        environment.systemPackages = [ pkgs.curl ];
      };
  };

  testScript =
    { nodes, ... }:
    let
      traefikIp = nodes.traefik.networking.primaryIPAddress;
      curl = "curl --silent --show-error --interface ${clientIp} --resolve ${route.hostname}:443:${traefikIp} https://${route.hostname}/";
    in
    ''
      import shlex

      start_all()

      with subtest("backend answers at the route's address"):
          backend.wait_for_unit("labgen-test-backend.service")
          backend.wait_for_open_port(${toString backendPort})
          # The instance address lives on the Incus bridge in the real lab; here it is an extra
          # address on the test network, reached from the Traefik machine through a host route.
          backend.succeed("ip address add ${backendIp}/32 dev eth1")
          traefik.wait_for_unit("multi-user.target")
          traefik.succeed("ip route add ${backendIp}/32 dev eth1")
          traefik.wait_until_succeeds("curl --fail --silent http://${backendIp}:${toString backendPort}/ | grep -qF ${lib.escapeShellArg marker}")

      with subtest("certificates from the generated CA script, placed where the config names them"):
          traefik.succeed("LABGEN_CA_DIR=${caDir} bash /etc/labgen-test/ca/ca.sh init")
          traefik.succeed("LABGEN_CA_DIR=${caDir} bash /etc/labgen-test/ca/ca.sh issue")
          provider_dir = traefik.succeed("yq -e '.providers.file.directory' ${staticConfig}").strip()
          cert_file = traefik.succeed("yq -e '.tls.certificates[0].certFile' /etc/labgen-test/dynamic.yml").strip()
          key_file = traefik.succeed("yq -e '.tls.certificates[0].keyFile' /etc/labgen-test/dynamic.yml").strip()
          traefik.succeed(f"install -D -m 0644 /etc/labgen-test/dynamic.yml {shlex.quote(provider_dir)}/dynamic.yml")
          traefik.succeed(f"install -D -m 0644 ${caFile caFiles.fullchain} {shlex.quote(cert_file)}")
          traefik.succeed(f"install -D -m 0640 -g traefik ${caFile caFiles.leafKey} {shlex.quote(key_file)}")

      with subtest("Traefik serves ${route.hostname} with the lab's certificate"):
          traefik.succeed("systemctl start traefik.service")
          traefik.wait_for_open_port(443)
          root_pem = traefik.succeed("cat ${caFile caFiles.rootCert}")
          client.wait_for_unit("multi-user.target")
          # The client's address inside the allow-list, reachable from Traefik over the test network.
          client.succeed("ip address add ${clientIp}/32 dev eth1")
          traefik.succeed("ip route add ${clientIp}/32 dev eth1")
          client.succeed(f"printf '%s' {shlex.quote(root_pem)} > /tmp/root.crt")
          body = client.wait_until_succeeds("${curl} --fail --cacert /tmp/root.crt")
          assert ${builtins.toJSON marker} in body, f"unexpected response: {body!r}"

      with subtest("without the lab CA the certificate is not trusted"):
          status, output = client.execute("${curl}")
          # curl exit 60: "Peer certificate cannot be authenticated with known CA certificates".
          assert status == 60, f"expected curl exit 60 without the lab CA, got {status}: {output}"
    '';
}
