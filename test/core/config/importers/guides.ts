/**
 * The tunnel commands of the vendors' public setup guides, copied verbatim: what the importer
 * tests (seeds.test.ts) and the end-to-end guide tests (test/cli/guides.test.ts) start from.
 */

// Fivetran, "Initiate SSH connection" (Linux).
export const FIVETRAN =
  'autossh -M 0 -f -N -R <SSH_HIGH_PORT>:<LOCAL_DB_MACHINE_NAME_OR_IP>:<LOCAL_DB_MACHINE_PORT> <FIVETRAN_SSH_USERNAME>@<FIVETRAN_SUPPLIED_IP> -g -i <PATH_TO_PRIVATE_KEY> -o ServerAliveInterval=10 -o ServerAliveCountMax=1 -o ExitOnForwardFailure=yes';

// Secoda, "(2) autossh", the command at the end of the script.
export const SECODA = `autossh -N -M0 -vvv \\
    -o "ExitOnForwardFailure yes" \\
    -o "ServerAliveInterval 15" \\
    -o "ServerAliveCountMax 4" \\
    -o "ControlPath none" \\
    -o "UserKnownHostsFile=$TEMPFILE" \\
    -o StrictHostKeyChecking=yes \\
    -R 0.0.0.0:$SSH_LISTEN_PORT \\
    $SSH_USER@$SSH_HOST -p $SSH_HOST_PORT`;

// Holistics, "Set up Tunnel" (manual), as the page renders it: its e-mail protection replaced user@host.
export const HOLISTICS = `autossh -M 0 -N -o "ServerAliveInterval 60" -o "ServerAliveCountMax 3" \\
-R *:[tunnel_port]:[]:[db_port] \\
[email protected] -p 50022 \\
-i <path_to_your_private_key_file>`;
export const HOLISTICS_MAC = `sudo su <user> -c 'ssh -f -M -S <socket_path> -NT -o ExitOnForwardFailure=yes -o ServerAliveInterval=60 -o ServerAliveCountMax=3 -p 50022 -i /home/<user>/.holistics/id_rsa -R <remote_port>:<client_host>:<client_port> [email protected]'`;

// Espresso Logic, Unix and PuTTY's plink.
export const ESPRESSO = 'ssh -nNT -i <private-key-file>.pem -R 23432:<database-server-address>:<database-server-port> tunnel@<your-server-name>';
export const ESPRESSO_PLINK = 'plink.exe -N -i <private-key-file>.ppk -R 23432:<database-server-address>:<database-server-port> tunnel@<your-server-name>';
