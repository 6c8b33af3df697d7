// @ts-check
// The page: a models list, and a model page to predict, contribute, claim and read the
// leaderboard. Reads go through the local server's /rpc (the node); writes come from the node's
// test accounts (eth_sendTransaction on /rpc) or from an injected EIP-1193 wallet.
//
// router.js starts the page and draws the routes; pages/ holds the pages; wallet.js the accounts
// and sending; clock.js the chain's clock; chain.js reading models and history; encoding.js the
// encoders; format.js, dom.js and errors.js the small pieces.
import { App } from "./router.js";

new App().start();
