mod keys;
mod verify;
