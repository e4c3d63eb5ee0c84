mod accounts;
mod keys;
mod list_pdf;
mod verify;
